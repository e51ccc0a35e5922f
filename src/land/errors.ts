/** Errors of the land: a path that would leave it, or no land at all. */

export type LandPathProblem = "empty" | "absolute" | "parent" | "nul" | "escape" | "not-a-file" | "mismatch";

/** A path refused because it is not safely inside the land, or a reference that does not match its file. */
export class LandPathError extends Error {
  constructor(
    readonly path: string,
    readonly problem: LandPathProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LandPathError";
  }
}

/** The worker was started without a land (QB_LAND is not set). */
export class LandUnavailableError extends Error {
  constructor(options?: { cause?: unknown }) {
    super("no land: QB_LAND is not set for this worker", options);
    this.name = "LandUnavailableError";
  }
}
