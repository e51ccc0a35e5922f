/**
 * `qb runs [list] | show ID | prune`: the runs of this folder (`.qb/runs/<id>/`), like
 * `nextflow log`: a table newest first, one run in detail with the command that resumes
 * it, and pruning by count or age. Reads run directories only: no grpc, no pod.
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import { terminalSafe } from "../../dsl/terminal-safe.js";
import type { FlowIR } from "../../ir/types.js";
import { listRuns, pruneRuns, RUNS_DIR, type RunEntry } from "../../run/run-history.js";
import type { RunRecord } from "../../run/run-record.js";
import type { RunEvent } from "../../runtime/events.js";
import { UsageError } from "../errors.js";
import { readEvents, readFlowIR, readResult, stepCalls } from "../run-dir-files.js";
import { lookUpRun, RUN_ID_HELP } from "../run-lookup.js";
import { commandProject } from "../project.js";
import { duration, localTime, shellQuote } from "../run-text.js";

export function registerRuns(program: Command): void {
  const runs = program
    .command("runs")
    .description("the runs of this project (its .qb/runs: see --project), newest first; show one, prune old ones (see qb logs)");
  runs
    .command("list", { isDefault: true })
    .description("a table of the runs, newest first: id, flow, status, start, duration, calls done/reused/failed")
    .option("--json", "one JSON list of the runs' records (run.json), each with its dir")
    .action((opts: { json?: boolean }) => listCommand(commandProject(), opts.json === true));
  runs
    .command("show")
    .description("one run: its steps, its result or error, its directory and the command that resumes it")
    .argument("<id>", RUN_ID_HELP)
    .option("--json", "one JSON object")
    .action((ref: string, opts: { json?: boolean }) => showCommand(commandProject(), ref, opts.json === true));
  runs
    .command("prune")
    .description("remove the runs beyond the newest N, or older than an age (never a run still running); prints what was removed")
    .option("--keep <n>", "keep the newest n runs")
    .option("--older-than <age>", "remove the runs started more than age ago: 30m, 12h, 7d (s, m, h, d)")
    .option("--json", "one JSON object: the removed runs' records and how many were kept")
    .action((opts: { keep?: string; olderThan?: string; json?: boolean }) => pruneCommand(commandProject(), opts));
}

const one = (text: string): string => terminalSafe(text, { lines: false });

function writeJson(value: unknown, pretty = false): void {
  process.stdout.write(JSON.stringify(value, null, pretty ? 2 : undefined) + "\n");
}

/** Rows as aligned columns (numeric columns right-aligned), header first. */
function table(header: string[], rows: string[][], right: boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/** How long the run took; a running one, how long it has been running (`…`); unknown for an interrupted one. */
function runDuration(r: RunRecord, now = Date.now()): string {
  if (r.elapsedMs !== undefined) return duration(r.elapsedMs);
  if (r.status === "running") return `${duration(Math.max(0, now - r.startedAt))}…`;
  return "-";
}

function callsText(r: RunRecord): string {
  return r.calls ? `${r.calls.done}/${r.calls.reused}/${r.calls.failed}` : "-";
}

function listCommand(cwd: string, json: boolean): void {
  const runs = listRuns(cwd);
  if (json) return writeJson(runs.map((r) => ({ ...r.record, dir: r.dir })));
  if (runs.length === 0) {
    process.stdout.write(`no runs in ${one(resolve(cwd, RUNS_DIR))}\n`);
    return;
  }
  const rows = runs.map(({ record: r }) => [
    one(r.id),
    one(String(r.flow)),
    one(String(r.status)),
    typeof r.startedAt === "number" ? localTime(r.startedAt) : "-",
    runDuration(r),
    callsText(r),
  ]);
  process.stdout.write(table(["ID", "FLOW", "STATUS", "STARTED", "DURATION", "CALLS done/reused/failed"], rows, [false, false, false, false, true, true]));
}

/** A step of the run as its events tell it. */
export interface StepSummary {
  step: string;
  /** `worker.method` of each call and reduce stage (from flow.json). */
  calls: string[];
  state: "finished" | "failed" | "cancelled" | "running" | "waiting" | "stopped" | "not run";
  /** Items emitted (from step.finished). */
  items?: number;
  /**
   * Calls finished (reused ones included), from call.finished events and, past the event
   * log's limit, its calls.rolled counters; absent for a step without calls, or a run whose
   * events.ndjson has no per-call events.
   */
  callsDone?: number;
  callsFailed: number;
  /** Of callsFailed, the ones skipped (`on error skip`). */
  callsSkipped: number;
  retries: number;
  error?: string;
}

/** Every step of the run (flow.json's, else those its events name), with what events.ndjson says of it. */
export function summarizeSteps(ir: FlowIR | undefined, events: RunEvent[], runStatus: RunRecord["status"]): StepSummary[] {
  const names = ir ? ir.steps.map((s) => s.name) : [...new Set(events.flatMap((e) => ("step" in e ? [e.step] : [])))];
  const byName = new Map<string, StepSummary>();
  for (const name of names) {
    const step = ir?.steps.find((s) => s.name === name);
    byName.set(name, { step: name, calls: step ? stepCalls(step) : [], state: "not run", callsFailed: 0, callsSkipped: 0, retries: 0 });
  }
  const started = new Set<string>();
  const perCall = events.some((e) => e.type === "call.started" || e.type === "calls.rolled");
  if (perCall) for (const s of byName.values()) if (s.calls.length || !ir) s.callsDone = 0;
  for (const e of events) {
    if (e.type === "calls.rolled") {
      // each step's counters so far: they cover the calls no longer written one by one
      for (const c of e.steps) {
        const s = byName.get(c.step);
        if (!s) continue;
        s.callsDone = Math.max(s.callsDone ?? 0, c.done);
        s.callsFailed = Math.max(s.callsFailed, c.failed);
        s.retries = Math.max(s.retries, c.retries);
      }
      continue;
    }
    if (!("step" in e)) continue;
    const s = byName.get(e.step);
    if (!s) continue;
    if (e.type === "step.started") started.add(e.step);
    else if (e.type === "step.finished") {
      s.state = "finished";
      s.items = e.items;
    } else if (e.type === "step.failed") {
      s.state = "failed";
      s.error = e.error;
    } else if (e.type === "step.cancelled") s.state = "cancelled";
    else if (e.type === "call.finished") s.callsDone = (s.callsDone ?? 0) + 1;
    else if (e.type === "call.failed") {
      s.callsFailed++;
      if (e.skipped) s.callsSkipped++;
    } else if (e.type === "call.retried") s.retries++;
  }
  for (const s of byName.values())
    if (s.state === "not run") {
      if (started.has(s.step)) s.state = runStatus === "running" ? "running" : "stopped";
      else if (runStatus === "running") s.state = "waiting";
    }
  return [...byName.values()];
}

/** `qb run FILE --resume ID --param k=v...`, each word quoted for a POSIX shell; undefined when the run did not come from a flow file. */
export function resumeCommand(cwd: string, entry: RunEntry): string | undefined {
  const r = entry.record;
  if (typeof r.file !== "string") return undefined;
  // a run under .qb/runs goes by its id; one elsewhere (--run-dir) by its directory
  const ref = resolve(cwd, RUNS_DIR, r.id) === entry.dir ? r.id : entry.dir;
  const words = ["qb", "run", r.file, "--resume", ref];
  for (const [k, v] of Object.entries(r.params ?? {})) words.push("--param", `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return words.map(shellQuote).join(" ");
}

function showCommand(cwd: string, ref: string, json: boolean): void {
  const entry = lookUpRun(cwd, ref);
  const r = entry.record;
  const ir = readFlowIR(entry.dir);
  const steps = summarizeSteps(ir, readEvents(entry.dir), r.status);
  const result = readResult(entry.dir);
  const resume = resumeCommand(cwd, entry);
  if (json) return writeJson({ ...r, dir: entry.dir, steps, ...(result !== undefined ? { result } : {}), resumeCommand: resume ?? null }, true);

  const facts: Array<[string, string]> = [
    ["run", one(r.id)],
    ["flow", one(String(r.flow)) + (typeof r.file === "string" ? `  ${one(r.file)}` : "")],
  ];
  const params = Object.entries(r.params ?? {});
  if (params.length) facts.push(["params", params.map(([k, v]) => one(`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)).join(" ")]);
  facts.push(["status", one(String(r.status))], ["started", typeof r.startedAt === "number" ? localTime(r.startedAt) : "-"], ["duration", runDuration(r)]);
  if (r.calls) facts.push(["calls", `${r.calls.done} done, ${r.calls.reused} reused, ${r.calls.failed} failed`]);
  if (r.resumedFrom) facts.push(["resumed", `from run ${one(r.resumedFrom)}`]);
  facts.push(["directory", one(entry.dir)]);
  facts.push(["resume", resume ?? "(no flow file: the run was not started by qb run)"]);
  let out = facts.map(([k, v]) => `${k.padEnd(10)}${v}`).join("\n") + "\n";

  out += "\nsteps\n";
  if (steps.length === 0) out += "  (none recorded)\n";
  else {
    const rows = steps.map((s) => {
      const notes: string[] = [];
      if (s.callsFailed) notes.push(`${s.callsFailed} call${s.callsFailed === 1 ? "" : "s"} failed${s.callsSkipped ? ` (${s.callsSkipped} skipped)` : ""}`);
      if (s.retries) notes.push(`${s.retries} retr${s.retries === 1 ? "y" : "ies"}`);
      const items = s.items === undefined ? "-" : `${s.items} item${s.items === 1 ? "" : "s"}`;
      return [one(s.step), s.state, items, s.callsDone === undefined ? "-" : String(s.callsDone), one(s.calls.join(" ")), notes.join(", ")];
    });
    const lines = table(["STEP", "STATE", "ITEMS", "CALLS DONE", "CALLING", ""], rows, [false, false, true, true]).trimEnd().split("\n");
    steps.forEach((s, i) => {
      // the step's error under its row, indented
      if (s.error !== undefined) lines[i + 1] += `\n${indent(terminalSafe(s.error), "      ")}`;
    });
    out += lines.map((l) => `  ${l}`).join("\n") + "\n";
  }

  if (result !== undefined) out += `\nresult\n${indent(terminalSafe(JSON.stringify(result, null, 2)), "  ")}\n`;
  else if (r.error !== undefined) out += `\nerror\n${indent(terminalSafe(String(r.error)), "  ")}\n`;
  process.stdout.write(out);
}

function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((l) => by + l)
    .join("\n");
}

const AGE = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `12h`, `7d` in milliseconds. */
export function parseAge(text: string): number {
  const m = AGE.exec(text.trim());
  if (!m) throw new UsageError(`--older-than ${text}: expected a number and a unit, s, m, h or d: 30m, 12h, 7d`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

function pruneCommand(cwd: string, opts: { keep?: string; olderThan?: string; json?: boolean }): void {
  if ((opts.keep === undefined) === (opts.olderThan === undefined))
    throw new UsageError(`runs prune: give ${opts.keep === undefined ? "one of --keep N or --older-than AGE" : "--keep N or --older-than AGE, not both"}`);
  const rule: { keep?: number; olderThanMs?: number } = {};
  if (opts.keep !== undefined) {
    if (!/^\d+$/.test(opts.keep.trim())) throw new UsageError(`--keep ${opts.keep}: expected a whole number of runs to keep, 0 or more`);
    rule.keep = Number(opts.keep);
  } else rule.olderThanMs = parseAge(opts.olderThan!);
  const removed = pruneRuns(cwd, rule);
  const kept = listRuns(cwd).length;
  if (opts.json) return writeJson({ removed: removed.map((r) => ({ ...r.record, dir: r.dir })), kept });
  let out = removed.map(({ record: r }) => `removed ${one(r.id)}  ${one(String(r.flow))}  ${one(String(r.status))}  ${localTime(r.startedAt)}\n`).join("");
  out += `${removed.length ? `removed ${removed.length} run${removed.length === 1 ? "" : "s"}` : "nothing to remove"}; ${kept} kept\n`;
  process.stdout.write(out);
}
