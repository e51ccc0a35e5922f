/**
 * What the web view reads from run directories, and only from them: run.json, flow.json,
 * events.ndjson and logs/. A live run and a finished one read the same way.
 */
import { join } from "node:path";
import { listRuns, type RunEntry } from "../run/run-history.js";
import { readFlowIR } from "../run/run-dir-files.js";
import { readRunRecord, type RunRecord } from "../run/run-record.js";
import { layoutGraph } from "./graph-layout.js";
import { stepInfos } from "./model/flow-info.js";
import type { RunInfo, RunSummary } from "./model/view-types.js";

export function summaryOf(record: RunRecord): RunSummary {
  return {
    id: record.id,
    flow: record.flow,
    ...(record.file !== undefined ? { file: record.file } : {}),
    status: record.status,
    startedAt: record.startedAt,
    ...(record.finishedAt !== undefined ? { finishedAt: record.finishedAt } : {}),
    ...(record.elapsedMs !== undefined ? { elapsedMs: record.elapsedMs } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.calls !== undefined ? { calls: record.calls } : {}),
  };
}

export class RunUnreadableError extends Error {
  constructor(
    readonly dir: string,
    why: string,
  ) {
    super(`${dir}: ${why}`);
    this.name = "RunUnreadableError";
  }
}

/** The graph and the steps' facts of the run in `dir` (its flow.json), with its record. */
export function runInfo(dir: string): RunInfo {
  const record = readRunRecord(dir);
  if (!record) throw new RunUnreadableError(dir, "no run.json: not a run directory");
  const ir = readFlowIR(dir);
  if (!ir) throw new RunUnreadableError(dir, "no flow.json: the run is from before the flow was kept, or it is damaged");
  return { run: summaryOf(record), steps: stepInfos(ir), graph: layoutGraph(ir) };
}

/** The runs a server shows: the folder's history, and run directories named outside it (`qb run --run-dir`). */
export class RunCatalog {
  constructor(
    readonly cwd: string,
    private readonly extraDirs: string[] = [],
  ) {}

  /** Serves the run in `dir` too (a run started after the server). */
  add(dir: string): void {
    if (!this.extraDirs.includes(dir)) this.extraDirs.push(dir);
  }

  list(): RunEntry[] {
    const runs = listRuns(this.cwd);
    for (const dir of this.extraDirs) {
      const record = readRunRecord(dir);
      if (record && !runs.some((r) => r.record.id === record.id)) runs.unshift({ dir, record });
    }
    return runs;
  }

  /** The run with id `id` exactly (ids come from `list`, never paths: nothing outside the runs is served). */
  find(id: string): RunEntry | undefined {
    return this.list().find((r) => r.record.id === id);
  }
}

export const eventsPath = (dir: string): string => join(dir, "events.ndjson");
