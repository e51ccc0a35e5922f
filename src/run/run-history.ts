/**
 * The runs of a folder (`.qb/runs/<id>/`), newest first: for `qb runs`, `--resume` without
 * a run id (the latest run of the same flow), and `qb runs prune`.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { JOURNAL_FILE } from "./journal/journal-file.js";
import { readRunRecord, type RunRecord } from "./run-record.js";

export const RUNS_DIR = join(".qb", "runs");

export interface RunEntry {
  /** The run directory. */
  dir: string;
  record: RunRecord;
}

export class RunNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunNotFoundError";
  }
}

/** Every run under `cwd`'s .qb/runs that has a record, newest first (ids sort by start time). */
export function listRuns(cwd: string): RunEntry[] {
  const root = resolve(cwd, RUNS_DIR);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const runs: RunEntry[] = [];
  for (const name of names.sort().reverse()) {
    const dir = join(root, name);
    const record = readRunRecord(dir);
    if (record) runs.push({ dir, record });
  }
  return runs;
}

/**
 * The run `ref` names: a run directory (a path holding run.json), a run id, or a unique
 * prefix of one.
 */
export function findRun(cwd: string, ref: string): RunEntry {
  // "" would name the working folder, and be a prefix of every id
  if (ref === "") throw new RunNotFoundError("the run id is empty: give an id, a unique prefix of one, or a run directory (see qb runs)");
  const asDir = resolve(cwd, ref);
  const own = existsSync(join(asDir, "run.json")) ? readRunRecord(asDir) : undefined;
  if (own) return { dir: asDir, record: own };
  const matches = listRuns(cwd).filter((r) => r.record.id === ref || r.record.id.startsWith(ref));
  const exact = matches.find((r) => r.record.id === ref);
  if (exact) return exact;
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new RunNotFoundError(`run ${ref} is ambiguous: ${matches.map((m) => m.record.id).join(", ")}`);
  throw new RunNotFoundError(`no run ${ref} in ${resolve(cwd, RUNS_DIR)} (see qb runs)`);
}

/** The newest run of flow `flow` (from `file` when given) that left a journal, to resume. */
export function latestRunOf(cwd: string, flow: string, file: string | undefined, except?: string): RunEntry | undefined {
  return listRuns(cwd).find(
    (r) =>
      r.record.id !== except &&
      r.record.flow === flow &&
      (file === undefined || r.record.file === undefined || r.record.file === file) &&
      existsSync(join(r.dir, JOURNAL_FILE)),
  );
}

/** Removes runs beyond the newest `keep`, or older than `olderThanMs`; never a run still running. Returns the removed ones. */
export function pruneRuns(cwd: string, rule: { keep?: number; olderThanMs?: number }, now = Date.now()): RunEntry[] {
  const runs = listRuns(cwd);
  const removed: RunEntry[] = [];
  runs.forEach((r, i) => {
    if (r.record.status === "running") return;
    const tooMany = rule.keep !== undefined && i >= rule.keep;
    const tooOld = rule.olderThanMs !== undefined && now - r.record.startedAt > rule.olderThanMs;
    if (tooMany || tooOld) {
      rmSync(r.dir, { recursive: true, force: true });
      removed.push(r);
    }
  });
  return removed;
}
