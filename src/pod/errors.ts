/** Errors of the pod: starting workers, calls that lost their replica. */

/** A worker could not be started or did not become healthy. */
export class WorkerStartError extends Error {
  constructor(
    readonly worker: string,
    readonly replica: number,
    message: string,
    readonly logTail: string,
    options?: { cause?: unknown },
  ) {
    super(`worker \`${worker}\` replica ${replica}: ${message}${logTail ? `\n--- last lines of its log ---\n${logTail}` : ""}`, options);
    this.name = "WorkerStartError";
  }
}

/** A call failed on a replica; says which, and whether another attempt may help. */
export class ReplicaCallError extends Error {
  /** The worker refused the call for want of a free slot: it never ran (see isRefused). */
  readonly refused: boolean;
  constructor(
    readonly replica: number,
    readonly retryable: boolean,
    options: { cause: unknown; refused?: boolean },
  ) {
    super(options.cause instanceof Error ? options.cause.message : String(options.cause), options);
    this.name = "ReplicaCallError";
    this.refused = options.refused === true;
  }
}

/** The replica's process ended while the call ran. */
export class ReplicaCrashedError extends Error {
  readonly retryable = true;
  constructor(
    readonly worker: string,
    readonly replica: number,
    readonly exit: string,
    readonly logTail: string,
  ) {
    super(`replica ${replica} of worker \`${worker}\` died (${exit})${logTail ? `; last lines of its log:\n${logTail}` : ""}`);
    this.name = "ReplicaCrashedError";
  }
}

/** No replica of a worker is left to run calls. */
export class WorkerUnavailableError extends Error {
  readonly retryable = false;
  constructor(
    readonly worker: string,
    reason: string,
  ) {
    super(`worker \`${worker}\` has no live replica: ${reason}`);
    this.name = "WorkerUnavailableError";
  }
}
