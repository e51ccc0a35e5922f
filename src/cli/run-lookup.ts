/**
 * The run an `ID` argument of `qb runs show` and `qb logs` names: `latest` (the newest run),
 * a run id, a unique prefix of one, or a run directory (a path holding run.json, as made
 * by `qb run --run-dir`). A run that is not there, or a prefix of several, is bad usage.
 */
import { resolve } from "node:path";
import { findRun, listRuns, RunNotFoundError, RUNS_DIR, type RunEntry } from "../run/run-history.js";
import { UsageError } from "./errors.js";
import { shellRunRef } from "./project.js";

export const LATEST = "latest";

export const RUN_ID_HELP = "the run: its id, a unique prefix of it, latest (the newest run), or a run directory";

/** `project`'s run `ref`; a run directory given as a path is relative to the current folder. */
export function lookUpRun(project: string, ref: string): RunEntry {
  if (ref === "") throw new UsageError("the run id is empty: give an id, a unique prefix of one, or latest (see qb runs)");
  try {
    if (ref === LATEST) {
      const newest = listRuns(project)[0];
      if (!newest) throw new RunNotFoundError(`no runs in ${resolve(project, RUNS_DIR)} (see qb runs)`);
      return newest;
    }
    return findRun(project, shellRunRef(ref));
  } catch (err) {
    if (err instanceof RunNotFoundError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}
