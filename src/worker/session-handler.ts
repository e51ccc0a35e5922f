/**
 * Worker.Session: one stream multiplexing many calls, each message tagged with its call id.
 * In: start | signal | cancel. Out: progress | yielded | awaiting, then result or error.
 * Signals and cancels for call ids that are not live are ignored (they race with the end of
 * a call). When the caller half-closes, the stream ends after its last call; when the stream
 * breaks, its calls are aborted. A frame may carry a batch of messages, read in order; the
 * worker batches its own messages only when the caller's metadata asks for it.
 */
import type * as grpc from "@grpc/grpc-js";
import type { CallErrorMsg, SessionInMsg, SessionOutMsg, ValueMsg } from "../proto/messages.js";
import type { CallSink } from "./call-sink.js";
import { CancelledError, ProtocolError } from "./errors.js";
import type { LiveCall } from "./live-call.js";
import { startCall } from "./start-call.js";
import { toCallErrorMsg } from "./to-call-error.js";
import { decodeValue } from "../common/values.js";
import { FrameBatcher } from "../proto/frame-batcher.js";
import { eachInFrame, SESSION_BATCHES_METADATA, sessionOutFrame, sessionOutSize } from "../proto/session-frames.js";
import type { WorkerCore } from "./worker-core.js";

const PROGRESS_INTERVAL_MS = 50;

export type SessionStream = grpc.ServerDuplexStream<SessionInMsg, SessionOutMsg>;

/** Open sessions, so shutdown can end them. */
export interface SessionRegistry {
  add(end: () => void): () => void;
}

export function sessionHandler(core: WorkerCore, registry: SessionRegistry): grpc.handleBidiStreamingCall<SessionInMsg, SessionOutMsg> {
  return (stream) => new Session(core, stream, registry);
}

class Session {
  private readonly calls = new Map<string, LiveCall>();
  private inputEnded = false;
  private closed = false;
  private readonly unregister: () => void;
  /** Set when the caller reads batched frames: messages of one event-loop turn go as one frame. */
  private readonly batcher: FrameBatcher<SessionOutMsg> | undefined;

  constructor(
    private readonly core: WorkerCore,
    private readonly stream: SessionStream,
    registry: SessionRegistry,
  ) {
    this.unregister = registry.add(() => this.endNow());
    if (stream.metadata.get(SESSION_BATCHES_METADATA)[0] === "1")
      this.batcher = new FrameBatcher((frame) => stream.write(frame), sessionOutFrame, sessionOutSize);
    const onMessage = (msg: SessionInMsg): void => this.onMessage(msg);
    stream.on("data", (frame: SessionInMsg) => eachInFrame(frame, onMessage));
    stream.on("end", () => {
      this.inputEnded = true;
      this.maybeEnd();
    });
    const broken = () => this.onBroken();
    stream.on("cancelled", broken);
    stream.on("error", broken);
    stream.on("close", broken);
  }

  /** @internal */
  send(msg: SessionOutMsg): void {
    if (this.closed) return;
    if (this.batcher) this.batcher.push(msg);
    else this.stream.write(msg);
  }

  private onMessage(msg: SessionInMsg): void {
    const id = msg.callId;
    switch (msg.msg) {
      case "start":
        return this.onStart(id, msg);
      case "signal": {
        const call = this.calls.get(id);
        const s = msg.signal;
        if (!call || !s) return;
        let value;
        try {
          value = s.end ? null : decodeValue(s.value);
        } catch (err) {
          // a signal that does not decode fails its call: the method cannot be given it
          call.abort(new ProtocolError(`signal ${JSON.stringify(s.name)}: ${(err as Error).message}`, { cause: err }));
          return;
        }
        call.deliver(s.name, value, s.end);
        return;
      }
      case "cancel":
        this.calls.get(id)?.abort(new CancelledError(msg.cancel?.reason ? `cancelled: ${msg.cancel.reason}` : undefined));
        return;
      default:
        if (!this.calls.has(id)) this.send({ callId: id, error: toCallErrorMsg(new ProtocolError("empty Session message: set one of start, signal, cancel")) });
    }
  }

  private onStart(id: string, msg: SessionInMsg): void {
    const start = msg.start;
    if (!id) return this.send({ callId: id, error: toCallErrorMsg(new ProtocolError("start without a call id")) });
    if (this.calls.has(id))
      return this.send({
        callId: id,
        error: toCallErrorMsg(new ProtocolError(`call id ${JSON.stringify(id)} is already live on this session; the live call goes on`)),
      });
    if (!start?.method) return this.send({ callId: id, error: toCallErrorMsg(new ProtocolError("start without a method")) });
    const sink = this.sink(id);
    const timeoutMs = start.timeoutMs > 0 ? start.timeoutMs : null;
    const call = startCall(
      this.core,
      { callId: id, method: start.method, input: start.input, attempt: start.attempt, timeoutMs },
      "session",
      sink,
      PROGRESS_INTERVAL_MS,
    );
    if (call && !call.isEnded) this.calls.set(id, call);
  }

  private sink(callId: string): CallSink {
    return new SessionSink(this, callId);
  }

  /** @internal the call `callId` has sent its terminal message. */
  ended(callId: string): void {
    this.calls.delete(callId);
    this.maybeEnd();
  }

  private maybeEnd(): void {
    if (this.inputEnded && this.calls.size === 0) this.endNow();
  }

  /** Ends the stream with status OK (shutdown aborts the calls first, which answers them). */
  private endNow(): void {
    if (this.closed) return;
    this.batcher?.flush();
    this.closed = true;
    this.unregister();
    this.stream.end();
  }

  private onBroken(): void {
    if (this.closed && this.calls.size === 0) return;
    this.closed = true;
    this.batcher?.clear();
    this.unregister();
    for (const call of this.calls.values()) call.abort(new CancelledError("the session stream closed"), false);
    this.calls.clear();
  }
}

/** One call's messages onto its session (a class, not closures: calls are many and short). */
class SessionSink implements CallSink {
  constructor(
    private readonly session: Session,
    private readonly callId: string,
  ) {}

  progress(fraction: number, message: string): void {
    this.session.send({ callId: this.callId, progress: { fraction, message } });
  }

  yielded(value: ValueMsg, round: number): void {
    this.session.send({ callId: this.callId, yielded: { value, round } });
  }

  awaiting(signal: string, round: number, taken: number): void {
    this.session.send({ callId: this.callId, awaiting: { signal, round, taken } });
  }

  result(value: ValueMsg, workerMs: number): void {
    this.session.send({ callId: this.callId, result: value, workerMs });
    this.session.ended(this.callId);
  }

  error(error: CallErrorMsg, workerMs?: number): void {
    this.session.send(workerMs === undefined ? { callId: this.callId, error } : { callId: this.callId, error, workerMs });
    this.session.ended(this.callId);
  }
}
