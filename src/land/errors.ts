/** Errors of the land: a path that would leave it, a file that is not its reference's, or no land at all. */

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

/** A land file that is not what its reference says: another size, or other bytes. */
export class LandRefMismatchError extends LandPathError {
  constructor(
    path: string,
    /** What differs. */
    readonly field: "size" | "sha256" | "xxh128",
    /** What the reference says. */
    readonly expected: number | string,
    /** What the file has. */
    readonly actual: number | string,
  ) {
    const what = field === "size" ? `size is ${actual} bytes, the reference says ${expected}` : `${field} is ${actual}, the reference says ${expected}`;
    super(path, "mismatch", `land file ${JSON.stringify(path)} does not match its reference: ${what}`);
    this.name = "LandRefMismatchError";
  }
}

/** The worker was started without a land (QB_LAND is not set). */
export class LandUnavailableError extends Error {
  constructor(options?: { cause?: unknown }) {
    super("no land: QB_LAND is not set for this worker", options);
    this.name = "LandUnavailableError";
  }
}
