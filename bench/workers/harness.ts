/**
 * Helpers shared by the runtime benchmarks (bench/overhead, speedup, startup, memory):
 * spawning child processes that are always cleaned up, reading their output line by line,
 * and a few statistics. Not a benchmark itself.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The repository root (worker `run` commands in the benchmark flows are relative to it). */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** The CLI, as users run it (it runs dist/: `npm run build` first). */
export const QB = fileURLToPath(new URL("../../bin/qb.js", import.meta.url));
/** The no-op worker's launcher. */
export const NOOP_WORKER = fileURLToPath(new URL("./noop.js", import.meta.url));

const children = new Set<ChildProcess>();
/** Temporary folders, removed at exit however the benchmark ends. */
const temps = new Set<string>();
/** Worker processes started by a child `qb run`, killed if still alive when we exit. */
const orphans = new Set<number>();
let hooked = false;

function hook(): void {
  if (hooked) return;
  hooked = true;
  // last resort: whatever way the benchmark ends, nothing it started is left running.
  // Children get SIGTERM, not SIGKILL: a `qb run` needs it to tear down its own workers.
  const cleanUp = (): void => {
    for (const c of children) kill(c.pid, "SIGTERM", true);
    for (const pid of orphans) kill(pid, "SIGKILL", true);
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
    temps.clear();
  };
  process.on("exit", cleanUp);
  // children run in their own process groups, so Ctrl-C does not reach them: pass it on at
  // once (tsx, which runs the benchmarks, follows a relayed signal with SIGKILL within tens
  // of ms), give them a moment to end, then end as the signal would have
  const signals = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
  for (const [sig, n] of Object.entries(signals)) {
    process.once(sig, () => {
      cleanUp();
      const until = Date.now() + 3_000;
      const wait = (): void => {
        if (children.size === 0 || Date.now() > until) process.exit(128 + n);
        else setTimeout(wait, 20);
      };
      wait();
    });
  }
}

function kill(pid: number | undefined, signal: NodeJS.Signals, group = false): void {
  if (pid === undefined) return;
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    if (group) kill(pid, signal, false);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A new temporary folder; `removeTemp` removes it, and so does the end of the process. */
export function makeTemp(name: string): string {
  hook();
  const dir = mkdtempSync(join(tmpdir(), `qb-bench-${name}-`));
  temps.add(dir);
  return dir;
}

export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  temps.delete(dir);
}

/** Spawns a process in its own process group, remembered until it exits. */
export function start(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  hook();
  const child = spawn(command, args, { cwd: REPO, detached: true, stdio: ["ignore", "pipe", "pipe"], ...options });
  children.add(child);
  child.once("exit", () => children.delete(child));
  child.on("error", () => undefined);
  return child;
}

/** Remembers worker PIDs a child reported (`pod.started`), to kill them if they outlive it. */
export function adopt(pids: Iterable<number>): void {
  hook();
  for (const p of pids) orphans.add(p);
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** SIGTERM (to the whole group), then SIGKILL after `graceMs`; resolves when it has exited. */
export async function stop(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  kill(child.pid, "SIGTERM", true);
  const timer = setTimeout(() => kill(child.pid, "SIGKILL", true), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** Kills the adopted worker PIDs that are still alive; returns how many were. */
export async function reapOrphans(): Promise<number> {
  let alive = 0;
  for (const pid of orphans) {
    if (isAlive(pid)) {
      alive++;
      kill(pid, "SIGKILL", true);
    }
    orphans.delete(pid);
  }
  return alive;
}

/** Calls `onLine` for every line of a child's stdout. */
export function lines(child: ChildProcess, onLine: (line: string) => void): void {
  createInterface({ input: child.stdout! }).on("line", onLine);
}

/** Collects a child's stderr (the last 8 KB), for error messages. */
export function stderrTail(child: ChildProcess): () => string {
  let tail = "";
  child.stderr?.on("data", (d: Buffer) => (tail = (tail + d.toString()).slice(-8192)));
  return () => tail;
}

/** One NDJSON event of `qb run --json`, as the benchmarks read it. */
export type QbEvent = { type: string } & Record<string, unknown>;

/**
 * Runs `qb run --json ARGS` to its end, giving every event to `onEvent`: the workers it
 * reports (`pod.started`) are adopted, so that any left running afterwards are killed and
 * counted; it is stopped after `timeoutMs`. Fails when the run fails or leaves a worker.
 */
export async function runQbJson(args: string[], onEvent: (e: QbEvent, child: ChildProcess) => void, timeoutMs: number): Promise<{ wallMs: number }> {
  const t0 = Date.now();
  const child = start(process.execPath, [QB, "run", "--json", ...args]);
  const stderr = stderrTail(child);
  lines(child, (line) => {
    const e = JSON.parse(line) as QbEvent;
    if (e.type === "pod.started") adopt((e.replicas as Array<{ pid: number | null }>).flatMap((r) => (r.pid === null ? [] : [r.pid])));
    onEvent(e, child);
  });
  const timer = setTimeout(() => void stop(child), timeoutMs);
  const { code } = await exited(child);
  clearTimeout(timer);
  const wallMs = Date.now() - t0;
  const leftover = await reapOrphans();
  if (code !== 0) throw new Error(`qb run ${args.join(" ")} exited with ${code}: ${stderr()}`);
  if (leftover) throw new Error(`${leftover} worker process(es) outlived qb run`);
  return { wallMs };
}

/** Resolves at the first stdout line matching `test`, rejects if the child exits first or after `timeoutMs`. */
export function waitForLine(child: ChildProcess, test: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching line within ${timeoutMs} ms`)), timeoutMs);
    lines(child, (line) => {
      if (!test(line)) return;
      clearTimeout(timer);
      resolve(line);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${signal ?? code}) before the expected line`));
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function round(x: number, digits = 0): number {
  return Number(x.toFixed(digits));
}

/** The 1-minute load average: other work on the machine skews every number. */
export function load(): number {
  return round(loadavg()[0]!, 2);
}

/** Peak resident set size (VmHWM) of a live process, in KB, from /proc (Linux); NaN if unknown. */
export function peakRssKb(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function log(bench: string, message: string): void {
  process.stderr.write(`${bench}: ${message}\n`);
}

const TICKS_PER_S = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) another process has used so far, from /proc (Linux); NaN if unknown. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds this process has used so far. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
