/** Runs `qb` as a real process and reads its NDJSON events. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { groupMembers as groupMembersOf, processAlive } from "../../src/process/process-group.js";
import { ROOT } from "./examples.js";

export interface QbRun {
  child: ChildProcess;
  events: Array<Record<string, unknown>>;
  stderr: string;
  /** Resolves with the exit code when the process ends. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves with the first event that matches. */
  waitFor(pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** `prefix` runs it through another command (`ip netns exec NS`), `env` adds to the environment. */
export function startQb(args: string[], cwd = ROOT, options: { prefix?: string[]; env?: Record<string, string> } = {}): QbRun {
  const argv = [...(options.prefix ?? []), process.execPath, join(ROOT, "bin/qb.js"), ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }> = [];
  let buf = "";
  const run: QbRun = {
    child,
    events,
    stderr: "",
    exit: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, at: Date.now() }))),
    waitFor(pred, timeoutMs = 20_000) {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; stderr:\n${run.stderr}`)), timeoutMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
      });
    },
  };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const e = JSON.parse(line) as Record<string, unknown>;
      events.push(e);
      for (const w of waiters.splice(0)) {
        if (w.pred(e)) w.resolve(e);
        else waiters.push(w);
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (run.stderr += c));
  return run;
}

type PodEvent = { type: string; replicas: Array<{ worker: string; pid: number | null }> };

function podEvents(run: QbRun): PodEvent[] {
  return run.events.filter((e) => e.type === "pod.launched" || e.type === "pod.started") as PodEvent[];
}

/**
 * The pids (= process group ids) of the worker processes `qb run` spawned, read from its
 * `pod.launched` event (sent right after the spawn, so also when the pod never got ready)
 * and `pod.started`. Throws when there is no such event or no spawned replica in it: a
 * "no process is left" check on an empty list proves nothing. A run whose workers are all
 * attached says so with `expectNoSpawnedWorkers`.
 */
export function pidsOf(run: QbRun): number[] {
  const pods = podEvents(run);
  if (pods.length === 0)
    throw new Error(
      `pidsOf: qb run sent no pod.launched or pod.started event (event types: ${[...new Set(run.events.map((e) => e.type))].join(", ")}); stderr:\n${run.stderr}`,
    );
  const pids = [...new Set(pods.flatMap((e) => e.replicas.flatMap((r) => (r.pid === null ? [] : [r.pid]))))];
  if (pids.length === 0) throw new Error(`pidsOf: the pod of this run spawned no process (every worker is attached?): ${JSON.stringify(pods[0])}`);
  return pids;
}

/** For runs whose workers are all attached (`at "host:port"`): the pod started and spawned nothing. */
export function expectNoSpawnedWorkers(run: QbRun): void {
  const started = podEvents(run).find((e) => e.type === "pod.started");
  if (!started) throw new Error(`expectNoSpawnedWorkers: qb run sent no pod.started event; stderr:\n${run.stderr}`);
  if (started.replicas.length === 0 || started.replicas.some((r) => r.pid !== null))
    throw new Error(`expectNoSpawnedWorkers: expected only attached replicas, got ${JSON.stringify(started.replicas)}`);
}

/** True while `pid` exists and is not a zombie. */
export const alive = processAlive;

/** Every live process whose process group is one of `pgids` (children of workers included). */
export async function groupMembers(pgids: number[]): Promise<number[]> {
  return pgids.flatMap((g) => groupMembersOf(g));
}
