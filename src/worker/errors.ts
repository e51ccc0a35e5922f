/** The SDK's errors: those of a call (shared with callers, in common/), and its own configuration mistakes. */
export * from "../common/call-errors.js";

/** A mistake in the method table or options given to serveWorker. */
export class WorkerConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WorkerConfigError";
  }
}
