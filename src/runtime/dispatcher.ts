/** The runtime's view of workers: where a call goes is the pod's business. */
import type { Json } from "../ir/types.js";

export interface CallRequest {
  /** The step the call belongs to: named when a worker reports about the call. */
  step?: string;
  worker: string;
  method: string;
  input: Json;
  /** 1-based attempt. */
  attempt: number;
  /** Deadline the worker is told about; the runtime also enforces it. */
  timeoutMs: number | null;
  signal: AbortSignal;
  /**
   * Told which replica (0-based) the call went to, so that a failure the quarterback
   * decides itself (the deadline) can name it as a worker's failure would.
   */
  placed?: (replica: number) => void;
  /** Told that the call was answered from a resumed run's journal: no worker ran it. */
  reused?: () => void;
  /**
   * Told each progress report of the call (`ctx.progress`) as it arrives. A fraction
   * outside [0, 1] (workers send -1 for "unknown") carries only the message.
   */
  progress?(fraction: number, message: string): void;
  /** Told, before the call resolves, how long the worker's method ran (ms, as the worker measured it), when the worker says. */
  ran?(workerMs: number): void;
}

export interface Dispatcher {
  /**
   * Runs one call on some replica and returns its result. A failure carries
   * `retryable` (false for mistakes a retry cannot fix) and `replica` when known.
   */
  call(request: CallRequest): Promise<Json>;
  /**
   * Calls `placed` when a call reaches a replica, possibly after waiting for a free slot:
   * a call's deadline then starts there. Otherwise it starts when the call is made.
   */
  readonly reportsPlacement?: boolean;
  /**
   * Starts a held call on the least-loaded replica with a free slot (waiting for one if
   * need be) and pins it there. Dispatchers without held calls leave it out.
   */
  hold?(request: HeldRequest): Promise<HeldHandle>;
  /** The call `callId` in flight on `worker`'s replica `replica`, if the dispatcher can tell (for reports about it). */
  about?(worker: string, replica: number, callId: string): CallAbout | undefined;
}

/** A held call to start: its outputs and waits come back through the callbacks. */
export interface HeldRequest {
  step: string;
  worker: string;
  method: string;
  input: Json;
  /** 1-based attempt. */
  attempt: number;
  /** Aborting it cancels the call on the worker. */
  signal: AbortSignal;
  onYield(value: Json, round: number): void;
  /** The call waits for signal `name`, having taken `round` values in all and `taken` of this one. */
  onAwaiting(name: string, round: number, taken: number): void;
  /** Told each progress report of the call, as CallRequest's `progress`. */
  progress?(fraction: number, message: string): void;
}

/** A held call running on one replica. */
export interface HeldHandle {
  readonly replica: number;
  /** Sends one value of signal `name`. */
  signal(name: string, value: Json): void;
  /** Tells the call no more values of `name` come. */
  end(name: string): void;
  /** The call's result; a failure carries `retryable` and `replica` as `call()`'s do. */
  readonly result: Promise<Json>;
}

/** A call in flight, as a dispatcher describes it. */
export interface CallAbout {
  step: string | undefined;
  method: string;
  attempt: number;
  input: Json;
}

/** Whether a failed call is worth another attempt. */
export function isRetryable(err: unknown): boolean {
  const r = (err as { retryable?: unknown } | null)?.retryable;
  return r === undefined ? true : r === true;
}

/**
 * Whether a call was refused because its replica had no free slot (`refused: true`): it
 * never ran, so it waits and goes again without using up an attempt.
 */
export function isRefused(err: unknown): boolean {
  return (err as { refused?: unknown } | null)?.refused === true;
}

export function replicaOf(err: unknown): number | undefined {
  const r = (err as { replica?: unknown } | null)?.replica;
  return typeof r === "number" ? r : undefined;
}
