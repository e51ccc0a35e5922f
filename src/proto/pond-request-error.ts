/**
 * A pond query the quarterback refuses: the message goes back to the worker as is. In its
 * own module so the run can name it without loading grpc-js.
 */
export class PondRequestError extends Error {
  constructor(
    message: string,
    readonly kind: "invalid" | "unavailable",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PondRequestError";
  }
}
