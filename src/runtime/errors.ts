/** Runtime errors: typed, with the failing call's coordinates and the underlying `cause`. */
import type { Json, Loc } from "../ir/types.js";

export interface CallCoordinates {
  step: string;
  worker: string;
  method: string;
  /** 0-based replica index, when the call reached one. */
  replica?: number;
  /** 1-based attempt number. */
  attempt: number;
  attempts: number;
  input: Json;
  loc?: Loc;
}

/** A short, single-line preview of a call's input for messages. */
export function preview(value: Json, max = 120): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? "null";
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function describeCall(c: CallCoordinates): string {
  const replica = c.replica === undefined ? "" : ` on replica ${c.replica}`;
  return `step \`${c.step}\`: ${c.worker}.${c.method}${replica}, attempt ${c.attempt}/${c.attempts}, input ${preview(c.input)}`;
}

/** A call failed after its retries (or with a non-retryable error). */
export class CallFailedError extends Error {
  constructor(
    readonly call: CallCoordinates,
    options: { cause: unknown },
  ) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`${describeCall(call)}: ${why}`, options);
    this.name = "CallFailedError";
  }
}

/** A call ran past its stage's `timeout`. */
export class CallTimeoutError extends Error {
  readonly retryable = true;
  /**
   * @param replica the replica the call was on, when known
   * @param waiting what it was doing instead of running, e.g. "waiting for a free slot"
   */
  constructor(
    readonly timeoutMs: number,
    readonly replica?: number,
    waiting?: string,
  ) {
    super(`timed out after ${timeoutMs} ms${waiting ? ` ${waiting}` : ""}`);
    this.name = "CallTimeoutError";
  }
}

/** The run was cancelled: by a failure elsewhere, a fatal report, or the user. */
export class RunCancelledError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`run cancelled: ${reason}`, options);
    this.name = "RunCancelledError";
  }
}

/** A failure in a step outside any call (an expression, a source, a sink). */
export class StepError extends Error {
  constructor(
    readonly step: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`step \`${step}\`: ${message}`, options);
    this.name = "StepError";
  }
}

/** A held call broke the rules of rounds, or held calls are in a deadlock. */
export class HeldCallError extends StepError {
  constructor(step: string, message: string, options?: { cause?: unknown }) {
    super(step, message, options);
    this.name = "HeldCallError";
  }
}
