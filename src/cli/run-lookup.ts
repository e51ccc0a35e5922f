/**
 * The run an `ID` argument of `qb runs show` and `qb logs` names: `latest` (the newest run),
 * a run id, a unique prefix of one, or a run directory (a path holding run.json, as made
 * by `qb run --run-dir`). A run that is not there, or a prefix of several, is bad usage.
 */
import { findRun, listRuns, RunNotFoundError, RUNS_DIR, type RunEntry } from "../run/run-history.js";
import { resolve } from "node:path";
import { UsageError } from "./errors.js";

export const LATEST = "latest";

export const RUN_ID_HELP = "the run: its id, a unique prefix of it, latest (the newest run), or a run directory";

export function lookUpRun(cwd: string, ref: string): RunEntry {
  if (ref === "") throw new UsageError("the run id is empty: give an id, a unique prefix of one, or latest (see qb runs)");
  try {
    if (ref === LATEST) {
      const newest = listRuns(cwd)[0];
      if (!newest) throw new RunNotFoundError(`no runs in ${resolve(cwd, RUNS_DIR)} (see qb runs)`);
      return newest;
    }
    return findRun(cwd, ref);
  } catch (err) {
    if (err instanceof RunNotFoundError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}
