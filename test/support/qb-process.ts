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

export function startQb(args: string[], cwd = ROOT): QbRun {
  const child = spawn(process.execPath, [join(ROOT, "bin/qb.js"), ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
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

export function pidsOf(run: QbRun): number[] {
  const e = run.events.find((x) => x.type === "pod.started") as { replicas: Array<{ pid: number | null }> } | undefined;
  return (e?.replicas ?? []).flatMap((r) => (r.pid === null ? [] : [r.pid]));
}

/** True while `pid` exists and is not a zombie. */
export const alive = processAlive;

/** Every live process whose process group is one of `pgids` (children of workers included). */
export async function groupMembers(pgids: number[]): Promise<number[]> {
  return pgids.flatMap((g) => groupMembersOf(g));
}
