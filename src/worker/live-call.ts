/**
 * One running call: the `ctx` its method sees, and the code that runs the method and turns
 * what it returns, yields or throws into messages. A call ends exactly once (result or
 * error); after that, whatever the method does is dropped.
 */
import type { ValueMsg } from "../proto/messages.js";
import type { Land } from "../land/land.js";
import type { LandRef } from "../land/ref.js";
import type { PondAccess } from "./pond-client.js";
import type { CallSink } from "./call-sink.js";
import { CallError, DeadlineExceededError, InvalidArgumentError, NotHeldError, OutputError, SignalEndedError } from "./errors.js";
import { isSpilledValue, readSpilledValue, spillValue } from "../land/spilled-value.js";
import { LandPathError } from "../land/errors.js";
import type { ResolvedMethod } from "./methods.js";
import { SignalQueue } from "./signal-queue.js";
import { clearLongTimeout, setLongTimeout, type LongTimer } from "../common/long-timer.js";
import { toCallErrorMsg } from "./to-call-error.js";
import type { CallContext, HeldMethod, Report, ReportOutcome, Value } from "./types.js";
import { encodeValue } from "../common/values.js";
import type { WorkerCore } from "./worker-core.js";

/** Characters of a progress message: at most 3 KB of UTF-8, under the smallest message limit (4096). */
const MAX_PROGRESS_MESSAGE = 1_000;

export interface CallStart {
  callId: string;
  method: ResolvedMethod;
  input: Value;
  attempt: number;
  /** Relative deadline in ms, or null. */
  timeoutMs: number | null;
}

export class LiveCall implements CallContext {
  readonly callId: string;
  readonly method: string;
  readonly attempt: number;
  readonly deadline: number | null;
  private ended = false;
  private controller: AbortController | undefined;
  private abortReason: CallError | undefined;
  private deadlineTimer: LongTimer | NodeJS.Timeout | undefined;
  private queues: Map<string, SignalQueue> | undefined;
  private rounds = 0;
  private lastProgressAt = 0;
  private pendingProgress: { fraction: number; message: string } | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  /** When the method was called (performance.now()): the result says how long it ran. */
  private ranFrom = 0;

  constructor(
    private readonly core: WorkerCore,
    private readonly start: CallStart,
    private readonly sink: CallSink,
    private readonly progressIntervalMs: number,
  ) {
    this.callId = start.callId;
    this.method = start.method.name;
    this.attempt = start.attempt;
    this.deadline = start.timeoutMs === null ? null : Date.now() + start.timeoutMs;
    // a long timer: a plain Node timer past ~24.8 days would fire at once
    if (start.timeoutMs !== null) this.deadlineTimer = setLongTimeout(() => this.abort(new DeadlineExceededError(this.start.timeoutMs)), start.timeoutMs);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  // ---- ctx ------------------------------------------------------------------------------

  get abortSignal(): AbortSignal {
    // made on first use: most methods never look, and calls are cheaper without one
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get land(): Land {
    return this.core.land();
  }

  progress(fraction: number, message = ""): void {
    if (this.ended) return;
    const f = typeof fraction === "number" && Number.isFinite(fraction) ? Math.min(fraction, 1) : -1;
    // bounded: a message over the size limit would end the Session stream, and every call on it
    const text = String(message);
    this.pendingProgress = { fraction: f, message: text.length > MAX_PROGRESS_MESSAGE ? `${text.slice(0, MAX_PROGRESS_MESSAGE - 1)}…` : text };
    const wait = this.lastProgressAt + this.progressIntervalMs - Date.now();
    if (wait <= 0) this.flushProgress();
    else this.progressTimer ??= setTimeout(() => this.flushProgress(), wait);
  }

  signal<T extends Value = Value>(name: string): Promise<T> {
    if (!this.start.method.held) return Promise.reject(new NotHeldError(this.method));
    if (this.abortReason) return Promise.reject(this.abortReason);
    const q = this.queue(String(name));
    let now: { value: Value } | undefined;
    try {
      now = q.take();
    } catch (err) {
      return Promise.reject(err);
    }
    if (now) {
      this.rounds += 1;
      return isSpilledValue(now.value) ? (this.unspill(now.value, `signal ${JSON.stringify(name)}`) as Promise<T>) : Promise.resolve(now.value as T);
    }
    const waiting = q.wait().then((v) => {
      this.rounds += 1;
      return isSpilledValue(v) ? (this.unspill(v, `signal ${JSON.stringify(name)}`) as Promise<T>) : (v as T);
    });
    this.sink.awaiting(q.name, this.rounds, q.taken);
    return waiting;
  }

  async *signals<T extends Value = Value>(name: string): AsyncIterable<T> {
    for (;;) {
      try {
        yield await this.signal<T>(name);
      } catch (err) {
        if (err instanceof SignalEndedError) return;
        throw err;
      }
    }
  }

  report(report: Report): Promise<ReportOutcome> {
    return this.core.reporter.report({ ...report, callId: this.callId });
  }

  get pond(): PondAccess {
    const pond = this.core.pond();
    const signal = this.abortSignal;
    const callId = this.callId;
    // queries of a cancelled call stop with it; they carry its id for the quarterback's logs
    return {
      query: (sql, params) => pond.query(sql, params, { signal, callId }),
      stream: (sql, params, options) => pond.stream(sql, params, { signal, callId, ...options }),
      columns: (sql, params) => pond.columns(sql, params, { signal, callId }),
    };
  }

  // ---- driven by the transport -------------------------------------------------------------

  /** A signal from the quarterback; ignored once the call has ended. */
  deliver(name: string, value: Value, end: boolean): void {
    if (this.ended || !this.start.method.held) return;
    const q = this.queue(name);
    if (end) q.end();
    else q.push(value);
  }

  /**
   * Ends the call with `reason` (cancel, deadline, shutdown) and fires the abort signal.
   * `notify` false when nobody is left to tell (the stream is gone).
   */
  abort(reason: CallError, notify = true): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    if (!this.ended) {
      this.ended = true;
      this.clearTimers();
      if (notify) this.sink.error(toCallErrorMsg(reason, this.core.config.maxMessageBytes));
    }
    this.controller?.abort(reason);
    if (this.queues) for (const q of this.queues.values()) q.fail(reason);
  }

  /** Runs the method to its end; never throws. */
  async run(): Promise<void> {
    this.core.live.add(this);
    this.ranFrom = performance.now();
    try {
      const input = isSpilledValue(this.start.input) ? await this.unspill(this.start.input, "input") : this.start.input;
      if (this.ended) return;
      const out = this.start.method.held ? await this.runHeld(input) : await this.start.method.handler(input, this);
      const written = this.ended ? undefined : this.finish(out);
      if (written) await written;
    } catch (err) {
      if (!this.ended) this.fail(err);
    } finally {
      this.clearTimers();
      this.core.live.delete(this);
    }
  }

  // ---- internals ------------------------------------------------------------------------

  private async runHeld(input: Value): Promise<unknown> {
    const it = (this.start.method.handler as HeldMethod)(input, this);
    if (!it || typeof it.next !== "function") throw new CallError("INTERNAL", `held method ${JSON.stringify(this.method)} did not return an async iterator`);
    for (;;) {
      const step = await it.next();
      if (step.done) return step.value;
      if (this.ended) {
        // cancelled meanwhile: let the generator run its finally blocks, then stop
        await it.return?.(undefined);
        return undefined;
      }
      let msg: ValueMsg;
      try {
        msg = await this.encode(step.value);
      } catch (err) {
        await it.return?.(undefined);
        throw err;
      }
      if (this.ended) {
        await it.return?.(undefined);
        return undefined;
      }
      this.sink.yielded(msg, this.rounds);
    }
  }

  /**
   * The value as a message. One whose JSON would not fit in a message goes to the land as a
   * spilled value (read back as the value itself by the quarterback and the next worker);
   * without a land it fails the call, saying so.
   */
  private encode(v: unknown): ValueMsg | Promise<ValueMsg> {
    const msg = encodeValue(v);
    const max = this.core.config.maxMessageBytes - 1024;
    if (msg.json !== undefined && msg.json.length * 3 > max) {
      const bytes = Buffer.byteLength(msg.json, "utf8");
      if (bytes > max) {
        if (this.core.config.landRoot === null) {
          throw new OutputError(
            `output of ${this.method} is ${bytes} bytes, over the ${this.core.config.maxMessageBytes}-byte message limit, and this worker has no land to move it to (QB_LAND is not set)`,
            "RESOURCE_EXHAUSTED",
          );
        }
        return spillValue(this.core.land(), msg.json).then(encodeValue);
      }
    }
    return msg;
  }

  /** The value a spilled input or signal stands for; a file that is not its reference's fails the call (INVALID_ARGUMENT). */
  private async unspill(ref: LandRef, what: string): Promise<Value> {
    try {
      return (await readSpilledValue(this.core.land(), ref)) as Value;
    } catch (cause) {
      if (cause instanceof LandPathError) throw cause;
      throw new InvalidArgumentError(`${what} of ${this.method}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Answers the method's output; a promise only while a spilled output is written. */
  private finish(out: unknown): Promise<void> | undefined {
    let msg: ValueMsg | Promise<ValueMsg>;
    try {
      msg = this.encode(out);
    } catch (err) {
      this.fail(err);
      return undefined;
    }
    if (!(msg instanceof Promise)) return void this.answer(msg);
    return msg.then(
      (m) => this.answer(m),
      (err: unknown) => void (this.ended || this.fail(err)),
    );
  }

  private answer(msg: ValueMsg): void {
    // cancelled while its output was written to the land
    if (this.ended) return;
    this.ended = true;
    this.clearTimers();
    this.sink.result(msg, performance.now() - this.ranFrom);
  }

  private fail(err: unknown): void {
    this.ended = true;
    this.clearTimers();
    this.sink.error(toCallErrorMsg(err, this.core.config.maxMessageBytes), performance.now() - this.ranFrom);
  }

  private flushProgress(): void {
    this.progressTimer = undefined;
    const p = this.pendingProgress;
    if (!p || this.ended) return;
    this.pendingProgress = undefined;
    this.lastProgressAt = Date.now();
    this.sink.progress(p.fraction, p.message);
  }

  private queue(name: string): SignalQueue {
    this.queues ??= new Map();
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = new SignalQueue(name)));
    return q;
  }

  private clearTimers(): void {
    clearLongTimeout(this.deadlineTimer);
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.deadlineTimer = this.progressTimer = undefined;
  }
}
