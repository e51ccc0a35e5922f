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

/**
 * A request's options as the pod's dispatch path has them (the names of its CallOptions, so
 * that one object serves every layer of a call). `step` is the caller's name for the call,
 * given back by `SessionClient.about`.
 */
export interface DispatchOptions {
  attempt: number;
  /** The deadline the worker is told; null or 0 for none. */
  timeoutMs: number | null;
  /** Aborting it cancels the call on the worker (the SessionClient listens, once per signal). */
  signal?: AbortSignal | undefined;
  step?: string | undefined;
  /** Told each progress message of the call; without it they are dropped. */
  progress?: ((fraction: number, message: string) => void) | undefined;
  /** Told, before the result resolves, how long the method ran in the worker, when it says (worker_ms > 0). */
  ran?: ((workerMs: number) => void) | undefined;
}

/**
 * What a request's promise resolves with, given its value or its failure: the caller's own
 * handling done where the answer arrives, instead of in a second promise chained to the first.
 */
export interface RequestOutcome<R> {
  /** Its result; a throw rejects the request with that error (`failed` is not called). */
  succeeded(value: Value): R | Promise<R>;
  /** Its failure (the worker's error, a broken stream, a value that did not decode): what the request settles as. */
  failed(err: unknown): Promise<R>;
}

/** What an ended request holds instead of its options (see `release`). */
const ENDED: DispatchOptions = Object.freeze({ attempt: 0, timeoutMs: null });
const settled = (): void => undefined;

export class SessionRequest<R = Value> implements LiveCall {
  ended = false;
  private resolve: (v: R | Promise<R>) => void = settled;
  private reject: (e: unknown) => void = settled;
  readonly result: Promise<R>;

  constructor(
    readonly id: string,
    /** What was asked: read back by `SessionClient.about`, e.g. to name the call a worker reports about. */
    readonly method: string,
    /** What was asked, until the request ends. */
    public input: Value,
    /** The caller's options, until the request ends. */
    public options: DispatchOptions,
    /** Without it, the promise resolves with the value and rejects with the failure. */
    private outcome: RequestOutcome<R> | undefined,
  ) {
    this.result = new Promise<R>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  receive(msg: SessionOutMsg): void {
    // yields and "awaiting" do not concern a plain request
    if (msg.msg === "result") {
      this.ended = true;
      let value: Value;
      try {
        const workerMs = msg.workerMs;
        const ran = this.options.ran;
        if (ran !== undefined && workerMs !== undefined && workerMs > 0) ran(workerMs);
        value = decodeValue(msg.result);
      } catch (err) {
        return this.failWith(err);
      }
      if (this.outcome === undefined) return this.settle(this.resolve, value as R);
      let out: R | Promise<R>;
      try {
        out = this.outcome.succeeded(value);
      } catch (err) {
        return this.settle(this.reject, err);
      }
      this.settle(this.resolve, out);
    } else if (msg.msg === "error") {
      this.ended = true;
      this.failWith(new RemoteCallError(msg.error!, this.id));
    } else if (msg.msg === "progress" && this.options.progress !== undefined) {
      this.options.progress(msg.progress?.fraction ?? -1, msg.progress?.message ?? "");
    }
  }

  fail(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failWith(err);
  }

  private failWith(err: unknown): void {
    if (this.outcome === undefined) this.settle(this.reject, err);
    else this.settle(this.resolve, this.outcome.failed(err));
  }

  /**
   * Settles the promise and lets go of everything the request held. A request in flight
   * across young-generation collections can end up in the old generation, where it stays,
   * dead, until a full collection; whatever it still pointed to then survived every young
   * collection in between and was moved to the old generation after it. At 200,000 no-op
   * calls/s that was ~2.8 MB moved per young collection, ~1.1 MB once ended requests let go.
   */
  private settle<T>(settle: (v: T) => void, v: T): void {
    this.resolve = this.reject = settled;
    this.outcome = undefined;
    this.options = ENDED;
    this.input = null;
    settle(v);
  }
}
