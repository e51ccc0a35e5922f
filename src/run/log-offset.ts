/**
 * A failed or retried call's event, with the size its replica's log file had then: the
 * worker's log lines have no timestamps, so this offset is what finds the lines the
 * replica wrote around the failure (those before it, and those after).
 */
import { statSync } from "node:fs";
import type { RunEvent } from "../runtime/events.js";

/** `e` with `logOffset` when it is a call.failed or call.retried naming a replica whose log file exists; else `e` itself. */
export function withLogOffset(e: RunEvent, logPath: (worker: string, replica: number) => string | undefined): RunEvent {
  if (e.type !== "call.failed" && e.type !== "call.retried") return e;
  if (e.worker === undefined || e.replica === undefined || e.logOffset !== undefined) return e;
  const path = logPath(e.worker, e.replica);
  if (path === undefined) return e;
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    // an attached replica has no log file here
    return e;
  }
  const { time, ...rest } = e;
  return { ...rest, logOffset: size, time };
}
