/** Exit codes shared by every command: 0 ok, 1 the run failed, 2 a bad flow or bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake in how qb was called (missing file, bad flag): exit code 2. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UsageError";
  }
}
