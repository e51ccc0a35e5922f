/**
 * The lean record of one call started with `SessionClient.request`: only what it takes to
 * settle its promise, and the caller's progress and timing callbacks when it gave them. No
 * options object or message log, so a thousand calls in flight hold little memory and make
 * little garbage (the pod's dispatch path).
 */
import type { SessionOutMsg } from "../proto/messages.js";
import type { Value } from "../common/values.js";
import { decodeValue } from "../common/values.js";
import { RemoteCallError } from "./errors.js";

/** What a Session stream routes a message to: a full SessionCall or a SessionRequest. */
export interface LiveCall {
  readonly id: string;
  ended: boolean;
  /** @internal */
  receive(msg: SessionOutMsg): void;
  /** @internal */
  fail(err: unknown): void;
}

export class SessionRequest implements LiveCall {
  ended = false;
  private resolve!: (v: Value) => void;
  private reject!: (e: unknown) => void;
  readonly result: Promise<Value>;

  constructor(
    readonly id: string,
    /** Aborting it cancels the call on the worker (the SessionClient listens, once per signal). */
    readonly signal: AbortSignal | undefined,
    /** What was asked: read back by `SessionClient.about`, e.g. to name the call a worker reports about. */
    readonly method: string,
    readonly attempt: number,
    readonly input: Value,
    readonly tag: string | undefined,
    /** Told each progress message of the call; without it they are dropped. */
    private readonly onProgress: ((fraction: number, message: string) => void) | undefined = undefined,
    /** Told, before the result resolves, how long the method ran in the worker, when it says (worker_ms > 0). */
    private readonly onWorkerMs: ((ms: number) => void) | undefined = undefined,
  ) {
    this.result = new Promise<Value>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  receive(msg: SessionOutMsg): void {
    // yields and "awaiting" do not concern a plain request
    if (msg.msg === "result") {
      this.ended = true;
      try {
        const workerMs = msg.workerMs;
        if (this.onWorkerMs !== undefined && workerMs !== undefined && workerMs > 0) this.onWorkerMs(workerMs);
        this.resolve(decodeValue(msg.result));
      } catch (err) {
        this.reject(err);
      }
    } else if (msg.msg === "error") {
      this.ended = true;
      this.reject(new RemoteCallError(msg.error!, this.id));
    } else if (msg.msg === "progress" && this.onProgress !== undefined) {
      this.onProgress(msg.progress?.fraction ?? -1, msg.progress?.message ?? "");
    }
  }

  fail(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.reject(err);
  }
}
