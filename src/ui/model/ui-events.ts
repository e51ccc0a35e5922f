/**
 * The events the web view reads: the run's events (src/runtime/events.ts), whose optional
 * fields (a call's progress, `workerMs`, and on failures `worker`, `replica`, `logOffset`)
 * it uses when a run wrote them. Runs written before `call.progress` had a null fraction
 * may carry -1 there instead, which the view treats the same.
 */
import type { RunEvent } from "../../runtime/events.js";

export type UiEvent = RunEvent;

/** Per-call events: what the event log rolls up past its limit, and what a report samples. */
export const PER_CALL_TYPES: ReadonlySet<string> = new Set(["call.started", "call.finished", "call.cancelled", "call.progress"]);

/** The events that end a run: after one of them the event log only closes. */
export const END_TYPES: ReadonlySet<string> = new Set(["run.finished", "run.failed", "run.cancelled"]);
