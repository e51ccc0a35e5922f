/**
 * Startup (issue 4): time from starting `qb run` (the real CLI, `node bin/qb.js run --json F`,
 * spawned) to the first call dispatched, for a one-call flow on one replica of the no-op
 * worker, the worker's spawn included. Read from the `call.started` event's `time` against
 * Date.now() just before the spawn; also when it spawned the worker (`pod.launched`), when
 * its worker printed `QB_LISTENING` (the mtime of the replica's log, which holds only that
 * line), when the pod was up (`pod.started`) and when the command exited: so the time
 * splits into the quarterback until the spawn, the worker's own startup, and the wait
 * between the worker listening and the pod being up. Repeated 11 times: min and median.
 * Goals: < 400 ms (issue 4), < 150 ms (issue 17).
 *
 * Also, as a bound on what starting workers sooner could give: the first call of `qb run
 * --attach w=ADDR` to a no-op worker already listening (started once, before the runs), so
 * nothing waits for a worker to boot.
 *
 * Baselines from the same machine, same repetitions: spawning `node -e 0` until it exits,
 * `qb compile F` (the CLI loading and compiling, nothing started) until it exits, and the
 * no-op worker alone (node bench/workers/noop.js) until it prints `QB_LISTENING`.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NOOP_WORKER,
  QB,
  adopt,
  exited,
  lines,
  load,
  log,
  makeTemp,
  median,
  reapOrphans,
  removeTemp,
  round,
  start,
  stderrTail,
  stop,
  waitForLine,
} from "./workers/harness.js";

const REPEAT = 11;

const FLOW = `flow one() {
  worker w { run "node bench/workers/noop.js" replicas 1 }
  xs = range(1) | w.noop
  emit xs
}
`;

interface Startup {
  firstCallMs: number;
  /** When the quarterback spawned the worker. */
  launchedMs: number;
  podMs: number;
  /** When the worker printed QB_LISTENING (its log's mtime), or NaN if the log has more. */
  listeningMs: number;
  exitMs: number;
}

/**
 * When the replica's log was last written, as ms after `t0`: the worker prints only its
 * QB_LISTENING line, so that is when it was listening. NaN if the log holds anything else.
 */
function listenedAt(log: string, t0: number): number {
  try {
    const text = readFileSync(log, "utf8");
    if (!/^QB_LISTENING \S+\n$/.test(text)) return Number.NaN;
    return statSync(log).mtimeMs - t0;
  } catch {
    return Number.NaN;
  }
}

interface QbEvent {
  type: string;
  time?: number;
  result?: { xs?: unknown[] };
  replicas?: Array<{ pid: number | null }>;
}

/** Runs `qb run --json ...args`, telling `onEvent` each event; its exit code, stderr, and when it started and ended. */
async function qbRunJson(args: string[], onEvent: (e: QbEvent) => void): Promise<{ code: number | null; stderr: string; t0: number; exitMs: number }> {
  const t0 = Date.now();
  const child = start(process.execPath, [QB, "run", "--json", ...args]);
  const stderr = stderrTail(child);
  lines(child, (line) => onEvent(JSON.parse(line) as QbEvent));
  const timer = setTimeout(() => void stop(child), 30_000);
  const { code } = await exited(child);
  clearTimeout(timer);
  return { code, stderr: stderr(), t0, exitMs: Date.now() - t0 };
}

async function qbRun(flow: string, runDir: string): Promise<Startup> {
  let firstCall: number | undefined;
  let launched: number | undefined;
  let pod: number | undefined;
  let result = false;
  const { code, stderr, t0, exitMs } = await qbRunJson([flow, "--run-dir", runDir], (e) => {
    if (e.type === "pod.launched") {
      launched = e.time;
      adopt(e.replicas!.flatMap((r) => (r.pid === null ? [] : [r.pid])));
    }
    if (e.type === "pod.started") pod = e.time;
    if (e.type === "call.started") firstCall ??= e.time;
    if (e.type === "result") result = JSON.stringify(e.result?.xs) === "[0]";
  });
  const leftover = await reapOrphans();
  if (code !== 0 || firstCall === undefined || launched === undefined || pod === undefined || !result) throw new Error(`qb run exited with ${code}: ${stderr}`);
  if (leftover) throw new Error(`${leftover} worker process(es) outlived qb run`);
  return { firstCallMs: firstCall - t0, launchedMs: launched - t0, podMs: pod - t0, listeningMs: listenedAt(join(runDir, "logs", "w-0.log"), t0), exitMs };
}

/** ms from starting `qb run --attach w=<address>` to its first call. */
async function qbRunAttached(flow: string, runDir: string, address: string): Promise<number> {
  let firstCall: number | undefined;
  const { code, stderr, t0 } = await qbRunJson([flow, "--run-dir", runDir, "--attach", `w=${address}`], (e) => {
    if (e.type === "call.started") firstCall ??= e.time;
  });
  if (code !== 0 || firstCall === undefined) throw new Error(`qb run --attach exited with ${code}: ${stderr}`);
  return firstCall - t0;
}

async function untilExit(args: string[]): Promise<number> {
  const t0 = Date.now();
  const child = start(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  const stderr = stderrTail(child);
  const { code } = await exited(child);
  if (code !== 0) throw new Error(`node ${args.join(" ")} exited with ${code}: ${stderr()}`);
  return Date.now() - t0;
}

async function workerListening(socket: string): Promise<number> {
  const t0 = Date.now();
  const child = start(process.execPath, [NOOP_WORKER], { env: { ...process.env, QB_LISTEN: `unix:${socket}` } });
  try {
    await waitForLine(child, (l) => l.startsWith("QB_LISTENING "), 15_000);
    return Date.now() - t0;
  } finally {
    await stop(child);
  }
}

const stats = (xs: number[]): { min: number; median: number } => ({ min: round(Math.min(...xs)), median: round(median(xs)) });

export default async function startup(): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  const loadBefore = load();
  const dir = makeTemp("startup");
  const flow = join(dir, "one.flow");
  writeFileSync(flow, FLOW);
  const runs: Startup[] = [];
  const attached: number[] = [];
  const standing = start(process.execPath, [NOOP_WORKER], { env: { ...process.env, QB_LISTEN: `unix:${join(dir, "standing.sock")}` } });
  const nodeBare: number[] = [];
  const compileOnly: number[] = [];
  const worker: number[] = [];
  try {
    // one run unmeasured: the first spawn of anything pays for a cold disk cache
    await qbRun(flow, join(dir, "run-warmup"));
    const standingAt = (await waitForLine(standing, (l) => l.startsWith("QB_LISTENING "), 15_000)).slice("QB_LISTENING ".length).trim();
    await qbRunAttached(flow, join(dir, "attached-warmup"), standingAt);
    for (let i = 0; i < REPEAT; i++) {
      // interleaved, so a burst of load elsewhere hits every series alike
      runs.push(await qbRun(flow, join(dir, `run-${i}`)));
      attached.push(await qbRunAttached(flow, join(dir, `attached-${i}`), standingAt));
      nodeBare.push(await untilExit(["-e", "0"]));
      compileOnly.push(await untilExit([QB, "compile", flow]));
      worker.push(await workerListening(join(dir, `w-${i}.sock`)));
      log(
        "startup",
        `${i + 1}/${REPEAT}: first call ${runs.at(-1)!.firstCallMs} ms (attached ${attached.at(-1)} ms) (worker spawned ${runs.at(-1)!.launchedMs} ms, listening ${round(runs.at(-1)!.listeningMs)} ms, pod ${runs.at(-1)!.podMs} ms); node -e 0 ${nodeBare.at(-1)} ms; qb compile ${compileOnly.at(-1)} ms; worker listening ${worker.at(-1)} ms`,
      );
    }
    const first = stats(runs.map((r) => r.firstCallMs));
    // judged unrounded; stats() rounds for display
    const firstMedian = median(runs.map((r) => r.firstCallMs));
    return {
      repeat: REPEAT,
      first_call_ms_min: first.min,
      first_call_ms_median: first.median,
      worker_spawned_ms_median: stats(runs.map((r) => r.launchedMs)).median,
      // the worker's own startup inside qb run (from its spawn until it listens)
      worker_startup_in_qb_run_ms_median: stats(runs.map((r) => r.listeningMs - r.launchedMs)).median,
      worker_listening_in_qb_run_ms_median: stats(runs.map((r) => r.listeningMs)).median,
      pod_started_ms_median: stats(runs.map((r) => r.podMs)).median,
      // how long the pod takes to notice a listening worker (connect, health, Describe, Session)
      pod_started_after_worker_listening_ms_median: stats(runs.map((r) => r.podMs - r.listeningMs)).median,
      qb_run_exit_ms_median: stats(runs.map((r) => r.exitMs)).median,
      baseline_node_e0_ms_min: stats(nodeBare).min,
      baseline_node_e0_ms_median: stats(nodeBare).median,
      baseline_qb_compile_ms_median: stats(compileOnly).median,
      baseline_worker_listening_ms_min: stats(worker).min,
      baseline_worker_listening_ms_median: stats(worker).median,
      first_call_over_worker_listening: round(first.median / stats(worker).median, 2),
      // a worker already listening: what the quarterback alone takes to its first call
      first_call_attached_ms_min: stats(attached).min,
      first_call_attached_ms_median: stats(attached).median,
      goal_ms: 400,
      goal_met: firstMedian < 400,
      goal_issue17_ms: 150,
      goal_issue17_met: firstMedian < 150,
      load_before: loadBefore,
      load_after: load(),
      seconds: round((Date.now() - t0) / 1000, 1),
    };
  } finally {
    await stop(standing);
    await reapOrphans();
    removeTemp(dir);
  }
}
