/**
 * The events the web view reads: the run's events (src/runtime/events.ts) and fields other
 * parts of the engine add (issue 14) that it uses when they are there: a call's progress,
 * the time spent inside the worker, and on failures the replica and where its log stood.
 */
import type { RunEvent } from "../../runtime/events.js";

export interface CallProgressEvent {
  type: "call.progress";
  step: string;
  callId: number;
  /** 0..1; null while the call sent only messages (-1 in runs written before that rule). */
  fraction: number | null;
  message: string;
  time: number;
}

/** Optional fields a newer engine writes: `workerMs` on call.finished; `replica`, `worker`, `logOffset` on call.failed and call.retried. */
export interface LaterFields {
  workerMs?: number;
  replica?: number;
  worker?: string;
  /** Bytes of logs/<worker>-<replica>.log at the failure. */
  logOffset?: number;
}

export type UiEvent = (RunEvent & LaterFields) | CallProgressEvent;

/** Per-call events: what the event log rolls up past its limit, and what a report samples. */
export const PER_CALL_TYPES: ReadonlySet<string> = new Set(["call.started", "call.finished", "call.cancelled", "call.progress"]);

/** The events that end a run: after one of them the event log only closes. */
export const END_TYPES: ReadonlySet<string> = new Set(["run.finished", "run.failed", "run.cancelled"]);
