/**
 * `qb logs ID [--step S] [--worker W] [--replica N] [--follow] [--json]`: the lines the
 * run's worker replicas wrote (logs/<worker>-<n>.log), each after its `worker/replica`;
 * with `--step`, only the workers that step calls, and the step's events too. `--follow`
 * goes on printing what is appended until the run is no longer running. Reads run
 * directories only: no grpc, no pod.
 */
import type { Command } from "commander";
import { join } from "node:path";
import { terminalSafe } from "../../dsl/terminal-safe.js";
import type { FlowIR } from "../../ir/types.js";
import { readRunRecord } from "../../run/run-record.js";
import type { RunEvent } from "../../runtime/events.js";
import { UsageError } from "../errors.js";
import { EVENTS_FILE, GrowingFile, parseEvent, readEvents, readFlowIR, stepWorkers, workerLogs, type WorkerLog } from "../run-dir-files.js";
import { lookUpRun, RUN_ID_HELP } from "../run-lookup.js";
import { commandProject } from "../project.js";
import { eventLine } from "../run-text.js";

interface LogsFlags {
  step?: string;
  worker?: string;
  replica?: string;
  follow?: boolean;
  json?: boolean;
}

/** How often --follow looks for new lines. */
const POLL_MS = 150;
/** After run.json says the run ended, how long --follow waits for the run's last event to reach events.ndjson. */
const END_GRACE_MS = 3_000;

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("print a run's worker logs, each line after its worker/replica; with --step, also the step's events")
    .argument("<id>", RUN_ID_HELP)
    .option("--step <step>", "only the workers this step calls, and the step's events (from events.ndjson)")
    .option("--worker <worker>", "only this worker's replicas")
    .option("--replica <n>", "only replica n (0, 1, ...)")
    .option("-f, --follow", "keep printing new lines until the run is no longer running (or Ctrl-C)")
    .option("--json", "NDJSON: {worker, replica, line} per log line, and the step's events as they are")
    .action((ref: string, opts: LogsFlags) => logsCommand(commandProject(), ref, opts));
}

/** What to print: which logs, which events. */
interface Selection {
  /** Workers whose logs to print; undefined for all. */
  workers: Set<string> | undefined;
  replica: number | undefined;
  /** The step whose events to print, when --step is given. */
  step: string | undefined;
}

const list = (names: Iterable<string>): string => [...names].join(", ") || "none";

function select(runId: string, dir: string, ir: FlowIR | undefined, opts: LogsFlags): Selection {
  const logs = workerLogs(dir);
  const known = new Set([...(ir?.workers.map((w) => w.name) ?? []), ...logs.map((l) => l.worker)]);
  let workers: Set<string> | undefined;
  if (opts.step !== undefined) {
    const events = ir ? [] : readEvents(dir);
    const steps = ir ? ir.steps.map((s) => s.name) : [...new Set(events.flatMap((e) => ("step" in e ? [e.step] : [])))];
    if (!steps.includes(opts.step)) throw new UsageError(`run ${runId} has no step ${opts.step}; its steps: ${list(steps)}`);
    const step = ir?.steps.find((s) => s.name === opts.step);
    // without flow.json (an older run), the workers its call events name
    workers = new Set(step ? stepWorkers(step) : events.flatMap((e) => (e.type === "call.started" && e.step === opts.step ? [e.worker] : [])));
  }
  if (opts.worker !== undefined) {
    if (!known.has(opts.worker)) throw new UsageError(`run ${runId} has no worker ${opts.worker}; its workers: ${list(known)}`);
    if (workers && !workers.has(opts.worker))
      throw new UsageError(`step ${opts.step} does not call worker ${opts.worker}; it calls ${workers.size ? list(workers) : "no worker"}`);
    workers = new Set([opts.worker]);
  }
  let replica: number | undefined;
  if (opts.replica !== undefined) {
    if (!/^\d+$/.test(opts.replica.trim())) throw new UsageError(`--replica ${opts.replica}: expected a replica number, 0 or more`);
    replica = Number(opts.replica);
    // the flow says how many replicas each worker has: a number past all of them is a mistake
    const counts = (ir?.workers ?? []).filter((w) => !workers || workers.has(w.name)).map((w) => w.replicas);
    const most = Math.max(0, ...counts, ...logs.filter((l) => !workers || workers.has(l.worker)).map((l) => l.replica + 1));
    if (replica >= most) {
      const there = most === 0 ? "no worker replicas are selected" : most === 1 ? "the only replica is 0" : `the replicas are 0 to ${most - 1}`;
      throw new UsageError(`--replica ${replica}: ${there}`);
    }
  }
  return { workers, replica, step: opts.step };
}

/** Prints lines and events as text or NDJSON. */
class Printer {
  private width = 0;

  constructor(private readonly json: boolean) {}

  /** Widens the prefix column for the logs (and the step) that will be printed. */
  fit(prefixes: string[]): void {
    for (const p of prefixes) this.width = Math.max(this.width, p.length);
  }

  logLines(log: WorkerLog, lines: string[]): void {
    if (lines.length === 0) return;
    if (this.json) {
      process.stdout.write(lines.map((line) => JSON.stringify({ worker: log.worker, replica: log.replica, line }) + "\n").join(""));
      return;
    }
    const prefix = terminalSafe(`${log.worker}/${log.replica}`, { lines: false });
    this.fit([prefix]);
    // the worker's text, its control characters escaped
    process.stdout.write(lines.map((line) => `${prefix.padEnd(this.width)} | ${terminalSafe(line, { lines: false })}\n`).join(""));
  }

  events(events: RunEvent[]): void {
    if (events.length === 0) return;
    if (this.json) {
      process.stdout.write(events.map((e) => JSON.stringify(e) + "\n").join(""));
      return;
    }
    process.stdout.write(
      events
        .map((e) => {
          const prefix = terminalSafe(`step:${"step" in e ? e.step : ""}`, { lines: false });
          this.fit([prefix]);
          return `${prefix.padEnd(this.width)} | ${eventLine(e)}\n`;
        })
        .join(""),
    );
  }
}

const RUN_END = new Set(["run.finished", "run.failed", "run.cancelled"]);

/** The run's sources: the selected logs (new ones are picked up as replicas start) and events.ndjson. */
class RunReader {
  private readonly files = new Map<string, { log: WorkerLog; file: GrowingFile }>();
  private readonly events: GrowingFile;
  /** The run's last event (run.finished, run.failed, run.cancelled) was read. */
  ended = false;

  constructor(
    private readonly dir: string,
    private readonly sel: Selection,
    private readonly out: Printer,
  ) {
    this.events = new GrowingFile(join(dir, EVENTS_FILE));
  }

  private logs(): Array<{ log: WorkerLog; file: GrowingFile }> {
    for (const log of workerLogs(this.dir)) {
      if (this.files.has(log.path)) continue;
      if (this.sel.workers && !this.sel.workers.has(log.worker)) continue;
      if (this.sel.replica !== undefined && log.replica !== this.sel.replica) continue;
      this.files.set(log.path, { log, file: new GrowingFile(log.path) });
    }
    return [...this.files.values()].sort((a, b) => (a.log.worker < b.log.worker ? -1 : a.log.worker > b.log.worker ? 1 : a.log.replica - b.log.replica));
  }

  /** Prints what was appended since the last call; at the `end`, also lines that never got their newline. */
  pass(end: boolean): void {
    const logs = this.logs();
    this.out.fit(logs.map((l) => `${l.log.worker}/${l.log.replica}`));
    if (this.sel.step !== undefined) this.out.fit([`step:${this.sel.step}`]);
    for (const { log, file } of logs) this.out.logLines(log, [...file.lines(), ...((end && file.rest()) || [])]);
    const events = [...this.events.lines(), ...((end && this.events.rest()) || [])].flatMap((l) => parseEvent(l) ?? []);
    if (events.some((e) => RUN_END.has(e.type))) this.ended = true;
    if (this.sel.step !== undefined) this.out.events(events.filter((e) => this.wanted(e)));
  }

  /** An event of the step; one naming a replica or a worker, only when it is a selected one. */
  private wanted(e: RunEvent): boolean {
    if (!("step" in e) || e.step !== this.sel.step) return false;
    if (this.sel.replica !== undefined && "replica" in e && e.replica !== this.sel.replica) return false;
    if (this.sel.workers && "worker" in e && e.worker !== undefined && !this.sel.workers.has(e.worker)) return false;
    return true;
  }

  /** No log matches the selection (yet). */
  get empty(): boolean {
    return this.files.size === 0;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function logsCommand(cwd: string, ref: string, opts: LogsFlags): Promise<void> {
  const entry = lookUpRun(cwd, ref);
  const ir = readFlowIR(entry.dir);
  const sel = select(entry.record.id, entry.dir, ir, opts);
  const out = new Printer(opts.json === true);
  const reader = new RunReader(entry.dir, sel, out);
  if (!opts.follow) {
    reader.pass(true);
    if (reader.empty && !opts.json)
      process.stderr.write(
        `qb: no worker logs ${sel.step !== undefined || opts.worker !== undefined || sel.replica !== undefined ? "match" : "in run"} ${terminalSafe(entry.record.id, { lines: false })}\n`,
      );
    return;
  }
  // until run.json says otherwise (a quarterback that died reads as "interrupted")
  let status = entry.record.status;
  while (status === "running") {
    reader.pass(false);
    await sleep(POLL_MS);
    status = readRunRecord(entry.dir)?.status ?? "interrupted";
  }
  // run.json is rewritten just before the run's last event goes out: wait for it (an interrupted run sends none)
  const until = Date.now() + END_GRACE_MS;
  if (status !== "interrupted")
    while (!reader.ended && Date.now() < until) {
      reader.pass(false);
      if (!reader.ended) await sleep(50);
    }
  reader.pass(true);
}
