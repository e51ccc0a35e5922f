/**
 * The caller's side of a Session stream: starts calls with fresh ids and routes every
 * message back to its call. A SessionCall exposes its result as a promise and its
 * progress, yields and "awaiting" messages as callbacks and a log; `request` is the lean
 * form for plain calls, with only a result.
 */
import type * as grpc from "@grpc/grpc-js";
import type { SessionInMsg, SessionOutMsg } from "../proto/messages.js";
import type { Value } from "../common/values.js";
import { decodeValue, encodeValue } from "../common/values.js";
import { MessageTooLargeError, RemoteCallError, TransportError } from "./errors.js";
import { mustSpill, overLimit, type InputSpill } from "./message-limit.js";
import { CallTable } from "./call-table.js";
import { SessionRequest, type DispatchOptions, type LiveCall, type RequestOutcome } from "./session-request.js";
import { FrameBatcher } from "../proto/frame-batcher.js";
import { eachInFrame, sessionInFrame, sessionInSize } from "../proto/session-frames.js";

/** How long a cancelled call waits for the worker's answer before it is given up. */
export const CANCEL_GRACE_MS = 2_000;

export interface SessionCallOptions {
  timeoutMs?: number;
  attempt?: number;
  /** Defaults to a fresh id. */
  callId?: string;
  onProgress?(fraction: number, message: string): void;
  onYield?(value: Value, round: number): void;
  /** `round`: signal values the call had taken (all names); `taken`: values of this signal. */
  onAwaiting?(signal: string, round: number, taken: number): void;
}

export interface RequestOptions {
  timeoutMs?: number;
  attempt?: number;
  /** Aborting it cancels the call on the worker; the result still comes from the worker. */
  signal?: AbortSignal;
  /** The caller's name for the call (the quarterback's step), given back by `about`. */
  tag?: string;
  /** Told each progress message of the call (`ctx.progress`); a fraction below 0 means unknown. */
  onProgress?(fraction: number, message: string): void;
  /** Told, before the result resolves, how long the method ran in the worker (ms), when the worker says. */
  onWorkerMs?(ms: number): void;
}

/** A call in flight, as `SessionClient.about` describes it. */
export interface RequestAbout {
  method: string;
  attempt: number;
  input: Value;
  tag: string | undefined;
}

export class SessionCall implements LiveCall {
  /** Every message received for this call, in order. */
  readonly messages: SessionOutMsg[] = [];
  readonly result: Promise<Value>;
  private settle!: { resolve(v: Value): void; reject(e: unknown): void };
  ended = false;

  constructor(
    readonly id: string,
    private readonly session: SessionClient,
    readonly options: SessionCallOptions,
    readonly method = "",
  ) {
    this.result = new Promise<Value>((resolve, reject) => (this.settle = { resolve, reject }));
    // a caller that only awaits messages must not see an unhandled rejection
    this.result.catch(() => undefined);
  }

  signal(name: string, value: Value): void {
    this.session.send({ callId: this.id, signal: { name, value: encodeValue(value), end: false } });
  }

  endSignal(name: string): void {
    this.session.send({ callId: this.id, signal: { name, value: null, end: true } });
  }

  cancel(reason = ""): void {
    this.session.send({ callId: this.id, cancel: { reason } });
    this.session.awaitCancelled([this]);
  }

  /** @internal */
  receive(msg: SessionOutMsg): void {
    this.messages.push(msg);
    switch (msg.msg) {
      case "progress":
        this.options.onProgress?.(msg.progress?.fraction ?? -1, msg.progress?.message ?? "");
        break;
      case "yielded":
        this.options.onYield?.(decodeValue(msg.yielded?.value), msg.yielded?.round ?? 0);
        break;
      case "awaiting":
        this.options.onAwaiting?.(msg.awaiting?.signal ?? "", msg.awaiting?.round ?? 0, msg.awaiting?.taken ?? 0);
        break;
      case "result":
        this.ended = true;
        try {
          this.settle.resolve(decodeValue(msg.result));
        } catch (err) {
          this.settle.reject(err);
        }
        break;
      case "error":
        this.ended = true;
        this.settle.reject(new RemoteCallError(msg.error!, this.id));
        break;
    }
  }

  /** @internal */
  fail(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.settle.reject(err);
  }
}

export class SessionClient {
  /** Calls in flight on this stream, by id (a CallTable: see why there). */
  private readonly calls = new CallTable<LiveCall>();
  /** Signals this session already listens to, for `request` (one listener each, not one per call). */
  private readonly watched = new WeakSet<AbortSignal>();
  private next = 1;
  /** Answers larger than this (bytes of JSON) fail their call with MessageTooLargeError. */
  maxValueBytes: number | undefined;
  /** Set when the worker reads spilled values: a `request` input over its limit goes to the land first. */
  inputSpill: InputSpill | undefined;
  private failure: Error | undefined;
  /** Messages for call ids that are not live (e.g. answers to malformed messages). */
  readonly stray: SessionOutMsg[] = [];
  /** Resolves with the stream's final status (OK or not). */
  readonly closed: Promise<grpc.StatusObject>;
  /** Set when the worker reads batched frames: messages of one event-loop turn go as one frame. */
  private readonly batcher: FrameBatcher<SessionInMsg> | undefined;

  constructor(
    readonly stream: grpc.ClientDuplexStream<SessionInMsg, SessionOutMsg>,
    options: { batches?: boolean } = {},
  ) {
    if (options.batches) this.batcher = new FrameBatcher((frame) => stream.write(frame), sessionInFrame, sessionInSize);
    const receive = (msg: SessionOutMsg): void => this.receive(msg);
    stream.on("data", (frame: SessionOutMsg) => eachInFrame(frame, receive));
    stream.on("error", (err: grpc.ServiceError) => this.failAll(new TransportError(`session: ${err.details || err.message}`, { cause: err })));
    this.closed = new Promise((resolve) => stream.on("status", (s: grpc.StatusObject) => resolve(s)));
    stream.on("end", () => this.failAll(new TransportError("session: the worker ended the stream")));
  }

  private receive(msg: SessionOutMsg): void {
    const call = this.calls.get(msg.callId);
    if (!call) {
      this.stray.push(msg);
      return;
    }
    const bytes = this.maxValueBytes === undefined ? undefined : overLimit(msg.result ?? msg.yielded?.value, this.maxValueBytes);
    if (bytes !== undefined) return this.refuse(call, msg, bytes);
    try {
      call.receive(msg);
    } catch (err) {
      // a message that cannot be taken (a yield whose value does not decode, a callback
      // that throws) fails its own call, which the worker is told to stop; the rest of the
      // frame, other calls' messages among them, still goes where it should
      call.fail(err);
      this.send({
        callId: msg.callId,
        cancel: { reason: `the quarterback could not take a message of this call: ${err instanceof Error ? err.message : String(err)}` },
      });
    }
    if (call.ended) this.calls.delete(msg.callId);
  }

  /** Onto the stream, in a batch with the rest of this turn's messages when the worker reads batches. */
  private write(msg: SessionInMsg): void {
    if (this.batcher) this.batcher.push(msg);
    else this.stream.write(msg);
  }

  /** Starts a call. */
  start(method: string, input: Value, options: SessionCallOptions = {}): SessionCall {
    const id = options.callId ?? `c${this.next++}`;
    const call = new SessionCall(id, this, options, method);
    if (this.failure) {
      call.fail(this.failure);
      return call;
    }
    this.calls.set(id, call);
    this.send({ callId: id, start: { method, input: encodeValue(input), timeoutMs: options.timeoutMs ?? 0, attempt: options.attempt ?? 1 } });
    return call;
  }

  /**
   * Starts a plain call and resolves with its result (or rejects with RemoteCallError or
   * TransportError): one small record and one promise per call.
   */
  request(method: string, input: Value, options: RequestOptions = {}): Promise<Value> {
    return this.dispatch(
      method,
      input,
      {
        attempt: options.attempt ?? 1,
        timeoutMs: options.timeoutMs ?? 0,
        signal: options.signal,
        step: options.tag,
        progress: options.onProgress,
        ran: options.onWorkerMs,
      },
      undefined,
    );
  }

  /**
   * `request` as the pod's dispatch path makes it: the options object its caller already
   * has, and `outcome` applied where the answer arrives (no second promise per call).
   * Without `outcome`, the promise settles with the value or the failure as `request`'s.
   * @internal
   */
  dispatch<R = Value>(method: string, input: Value, options: DispatchOptions, outcome: RequestOutcome<R> | undefined): Promise<R> {
    // encode before registering: a value that is not JSON fails here, and nothing is left behind
    const encoded = encodeValue(input);
    const big = mustSpill(encoded, this.inputSpill);
    // sent once it is on the land, as its reference (a cancel meanwhile is sent right after the start)
    if (big !== undefined)
      return this.inputSpill!.spill(big).then(
        (ref) => this.dispatch(method, ref, options, outcome),
        (err: unknown) => (outcome === undefined ? Promise.reject(err) : outcome.failed(err)),
      );
    const id = `c${this.next++}`;
    const call = new SessionRequest<R>(id, method, input, options, outcome);
    if (this.failure) {
      call.fail(this.failure);
      return call.result;
    }
    const start = { method, input: encoded, timeoutMs: options.timeoutMs ?? 0, attempt: options.attempt };
    this.calls.set(id, call);
    try {
      this.write({ callId: id, start });
      const signal = options.signal;
      if (signal) {
        if (signal.aborted) {
          this.send({ callId: id, cancel: { reason: reasonText(signal.reason) } });
          this.awaitCancelled([call]);
        } else this.watch(signal);
      }
    } catch (err) {
      // registered, it ends once, through its outcome: a throw as well would end it twice
      // for a caller that counts a throw as the end (the replica's calls in flight)
      this.calls.delete(id);
      call.fail(err);
    }
    return call.result;
  }

  /**
   * The call `callId` started with `request` if it is still in flight on this stream (a
   * worker's report names the call by the id it got here).
   */
  about(callId: string): RequestAbout | undefined {
    const call = this.calls.get(callId);
    if (!(call instanceof SessionRequest) || call.ended) return undefined;
    return { method: call.method, attempt: call.options.attempt, input: call.input, tag: call.options.step };
  }

  /** Sends any message as is (for tests of malformed input). */
  send(msg: SessionInMsg): void {
    if (!this.failure) this.write(msg);
  }

  get live(): number {
    return this.calls.size;
  }

  /** Half-closes: the worker ends the stream after the live calls. */
  end(): void {
    this.batcher?.flush();
    this.stream.end();
  }

  /** Breaks the stream: every live call is aborted on the worker. */
  cancel(): void {
    this.batcher?.clear();
    this.stream.cancel();
  }

  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener("abort", () => this.cancelRequests(signal), { once: true });
  }

  /** Cancels, on the worker, every live request started with this signal. */
  private cancelRequests(signal: AbortSignal): void {
    const reason = reasonText(signal.reason);
    const cancelled: LiveCall[] = [];
    for (const call of this.calls.values()) {
      if (call instanceof SessionRequest && call.options.signal === signal && !call.ended) {
        this.send({ callId: call.id, cancel: { reason } });
        cancelled.push(call);
      }
    }
    this.awaitCancelled(cancelled);
  }

  /**
   * Calls just cancelled get CANCEL_GRACE_MS for the worker to answer (its slot is busy until
   * it does); a worker that never answers does not keep them, nor their slots, for ever.
   * @internal
   */
  awaitCancelled(calls: LiveCall[]): void {
    if (calls.length === 0) return;
    setTimeout(() => {
      for (const call of calls) {
        if (call.ended || this.calls.get(call.id) !== call) continue;
        call.fail(new TransportError(`the worker did not answer the cancel of call ${call.id} within ${CANCEL_GRACE_MS} ms`));
        this.calls.delete(call.id);
      }
    }, CANCEL_GRACE_MS).unref();
  }

  /** An answer over the limit fails its call (a held call that yielded it is cancelled on the worker). */
  private refuse(call: LiveCall, msg: SessionOutMsg, bytes: number): void {
    const method = call instanceof SessionRequest || call instanceof SessionCall ? call.method : "the method";
    if (msg.msg !== "result") this.send({ callId: call.id, cancel: { reason: "an answer over the message limit" } });
    call.fail(new MessageTooLargeError(method, bytes, this.maxValueBytes!));
    this.calls.delete(call.id);
  }

  private failAll(err: Error): void {
    this.failure ??= err;
    this.batcher?.clear();
    for (const call of this.calls.values()) call.fail(err);
    this.calls.clear();
  }
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  try {
    return String(reason ?? "cancelled");
  } catch {
    // an object without toString (Object.create(null)): the cancel goes anyway
    return "cancelled";
  }
}
