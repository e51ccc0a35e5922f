/**
 * `run.json` in each run directory: what `qb runs` lists and `qb runs show` prints. Written
 * when the run starts (status "running", with the quarterback's pid) and rewritten when it
 * ends; a run whose quarterback died (kill -9, a lost machine) keeps "running" with a pid
 * that is gone, and is shown as "interrupted".
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Json } from "../ir/types.js";
import type { CallCounts } from "../runtime/events.js";

export const RUN_RECORD_FILE = "run.json";

export type RunStatus = "running" | "finished" | "failed" | "cancelled" | "interrupted";

export interface RunRecord {
  id: string;
  flow: string;
  /** The flow file as given to `qb run` (absolute), when run from a file. */
  file?: string;
  params?: Record<string, Json>;
  status: RunStatus;
  pid: number;
  startedAt: number;
  finishedAt?: number;
  elapsedMs?: number;
  calls?: CallCounts;
  error?: string;
  /** The run whose journal this one resumed. */
  resumedFrom?: string;
}

/** Written beside and renamed over: a reader never sees half a record. */
export function writeRunRecord(dir: string, record: RunRecord): void {
  const path = join(dir, RUN_RECORD_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(record, null, 2) + "\n");
  renameSync(temp, path);
}

/** The record of the run in `dir`, its status "interrupted" when it claims to run but its quarterback is gone; undefined when there is none. */
export function readRunRecord(dir: string): RunRecord | undefined {
  let record: RunRecord;
  try {
    record = JSON.parse(readFileSync(join(dir, RUN_RECORD_FILE), "utf8")) as RunRecord;
  } catch {
    return undefined;
  }
  if (typeof record !== "object" || record === null || typeof record.id !== "string") return undefined;
  if (record.status === "running" && !alive(record.pid)) record.status = "interrupted";
  return record;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
