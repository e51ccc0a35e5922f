/**
 * The typed errors of a call, shared by the worker SDK (which throws them) and the callers
 * of workers (which decode values with them). A method throws a {@link CallError} (or a subclass) to
 * choose the error code and the retryable flag of its error result; any other thrown value
 * becomes code FAILED (see to-call-error.ts). The abort reasons of `ctx.abortSignal` are
 * {@link CancelledError}, {@link DeadlineExceededError} and {@link UnavailableError}.
 */
import { DEFAULT_RETRYABLE, type ErrorCode } from "../proto/error-codes.js";

export interface CallErrorOptions {
  /** Defaults per code: see DEFAULT_RETRYABLE in src/proto/error-codes.ts. */
  retryable?: boolean;
  /** Extra detail for people; the stack is used when absent. */
  details?: string;
  cause?: unknown;
}

/** An error result of a call, with its code and retryable flag. */
export class CallError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: string | undefined;

  constructor(code: ErrorCode, message: string, options: CallErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // the subclass's own name (InvalidArgumentError...): what the error result's `type` says
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? DEFAULT_RETRYABLE[code];
    this.details = options.details;
  }
}

/** The input is not acceptable (code INVALID_ARGUMENT, not retryable). */
export class InvalidArgumentError extends CallError {
  constructor(message: string, options: CallErrorOptions = {}) {
    super("INVALID_ARGUMENT", message, options);
  }
}

/** No method of that name (code UNKNOWN_METHOD). */
export class UnknownMethodError extends CallError {
  constructor(
    readonly method: string,
    known: readonly string[],
  ) {
    super("UNKNOWN_METHOD", `unknown method ${JSON.stringify(method)}; this worker serves: ${known.join(", ") || "(nothing)"}`);
  }
}

/** The quarterback cancelled the call: the reason of `ctx.abortSignal`. */
export class CancelledError extends CallError {
  constructor(reason = "cancelled by the caller", options: CallErrorOptions = {}) {
    super("CANCELLED", reason, options);
  }
}

/** The call's deadline passed: the reason of `ctx.abortSignal`. */
export class DeadlineExceededError extends CallError {
  constructor(timeoutMs: number | null, options: CallErrorOptions = {}) {
    super("DEADLINE_EXCEEDED", timeoutMs === null ? "deadline exceeded" : `deadline exceeded (${timeoutMs} ms)`, options);
  }
}

/** The worker is shutting down (SIGTERM): the reason of `ctx.abortSignal`; retryable elsewhere. */
export class UnavailableError extends CallError {
  constructor(message = "the worker is shutting down", options: CallErrorOptions = {}) {
    super("UNAVAILABLE", message, options);
  }
}

/** Every call slot is busy (code RESOURCE_EXHAUSTED, retryable). */
export class CapacityError extends CallError {
  constructor(max: number) {
    super("RESOURCE_EXHAUSTED", `all ${max} call slots are busy`, { retryable: true });
  }
}

/** A Session message out of order (code PROTOCOL). */
export class ProtocolError extends CallError {
  constructor(message: string, options: CallErrorOptions = {}) {
    super("PROTOCOL", message, options);
  }
}

/** A method's output cannot be sent: not JSON-serializable, or larger than a message may be. */
export class OutputError extends CallError {
  constructor(message: string, code: "FAILED" | "RESOURCE_EXHAUSTED", options: CallErrorOptions = {}) {
    super(code, message, { retryable: false, ...options });
  }
}

/** `ctx.signal(name)` after the quarterback said no more values come under that name. */
export class SignalEndedError extends CallError {
  constructor(readonly signal: string) {
    super("FAILED", `signal ${JSON.stringify(signal)} has ended: no more values will come`, { retryable: false });
  }
}

/** `ctx.signal()` in a method that is not held (signals only reach held calls). */
export class NotHeldError extends CallError {
  constructor(method: string) {
    super("FAILED", `method ${JSON.stringify(method)} is not held, so it receives no signals; declare it as an async generator or with { held: true }`, {
      retryable: false,
    });
  }
}
