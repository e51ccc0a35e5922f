/**
 * A held stage: one held call per input item, pinned to the replica it started on. The
 * stage keeps the step's signal log (every value sent by `<-`, and the ends), so a call that
 * starts late, or again after its replica died, is given the whole log first. It tags every
 * output with its round and marks a round complete once no live call can yield for it any
 * more (a call's *frontier*: the lowest round it may still yield for).
 */
import type { Json } from "../ir/types.js";
import type { CallSite } from "./call-with-retry.js";
import { backoffDelay, sleep } from "./call-with-retry.js";
import { Channel } from "./channel.js";
import { isRetryable, replicaOf, type HeldHandle } from "./dispatcher.js";
import { CallFailedError, CallTimeoutError, HeldCallError, RunCancelledError, preview } from "./errors.js";
import type { HeldStats } from "./events.js";
import { clearLongTimeout, setLongTimeout, type LongTimer } from "../common/long-timer.js";
import { RoundItem, RoundMark, type Flowing } from "./rounds.js";
import { CallProgress } from "./progress-events.js";

/** One entry of a held step's signal log. */
interface LogEntry {
  name: string;
  value: Json;
  end: boolean;
}

/** One held call, across its attempts. */
export class HeldCall {
  attempt = 0;
  handle: HeldHandle | undefined;
  controller: AbortController | undefined;
  /** Lowest round this call may still yield for. */
  frontier = 0;
  /** Yields below this round come from a replay after a restart: they were delivered already. */
  replayBelow = 0;
  /** Log entries given to the current attempt. */
  delivered = 0;
  sentByName = new Map<string, number>();
  /** Signals the current attempt was told have ended. */
  endsSent = new Set<string>();
  /** The last "awaiting" of the current attempt, until it yields again. */
  awaiting: { name: string; taken: number } | undefined;
  ended = false;
  /** Waiting to start again after a failure. */
  restarting = false;
  timer: LongTimer | NodeJS.Timeout | undefined;
  rounds = 0;

  constructor(
    /** 0-based place in the stage's input. */
    readonly index: number,
    readonly input: Json,
  ) {}

  /** Blocked: waits for a signal and has taken every value of it that was sent. */
  get blocked(): boolean {
    const a = this.awaiting;
    return (
      !this.ended &&
      !this.restarting &&
      this.handle !== undefined &&
      a !== undefined &&
      !this.endsSent.has(a.name) &&
      (this.sentByName.get(a.name) ?? 0) === a.taken
    );
  }

  describe(): string {
    return `call ${this.index} (input ${preview(this.input, 80)})`;
  }
}

export interface HeldStageOptions {
  site: CallSite;
  /** Held calls alive at once (the stage's `parallel`). */
  limit: number;
  /** The call's input for an item. */
  args: (item: Json) => Json;
  /** The run's signal. */
  signal: AbortSignal;
  /** Told whenever the stage may have become idle (a call blocked or ended). */
  onIdle: () => void;
}

export class HeldStage {
  readonly calls: HeldCall[] = [];
  private readonly log: LogEntry[] = [];
  readonly closed = new Set<string>();
  /** Items read but not started: every slot is taken. */
  readonly pending: Json[] = [];
  private live = 0;
  private inputDone = false;
  private lastMark = -1;
  private failed = false;
  private readonly yieldsPerRound = new Map<number, number>();
  private readonly out = new Channel<Flowing>(Infinity);
  private readonly controller = new AbortController();
  /** Calls blocked on a signal when it was closed: a call that then fails on it is in a deadlock. */
  private readonly closedOn = new Map<string, { calls: HeldCall[]; producers: string }>();
  readonly stats: HeldStats = { live: 0, awaiting: {}, round: -1, signals: 0 };

  constructor(private readonly o: HeldStageOptions) {
    o.site.stats.held = this.stats;
  }

  get step(): string {
    return this.o.site.step;
  }

  /** Items buffered on the way out (for quiescence: they are work not yet done). */
  get buffered(): number {
    return this.out.size;
  }

  /** The stage's outputs: round items and marks. Reading starts the calls. */
  run(input: AsyncIterable<Flowing>): AsyncIterable<Flowing> {
    const onAbort = (): void => this.fail(this.o.signal.reason ?? new RunCancelledError("aborted"));
    if (this.o.signal.aborted) onAbort();
    // for the whole life of the run: held calls outlive the stage's input
    else this.o.signal.addEventListener("abort", onAbort, { once: true });
    void this.pump(input);
    return this.out;
  }

  private async pump(input: AsyncIterable<Flowing>): Promise<void> {
    try {
      for await (const v of input) {
        if (this.failed) break;
        if (v instanceof RoundMark) continue;
        this.pending.push(v instanceof RoundItem ? v.value : v);
        this.startWhatFits();
      }
    } catch (err) {
      this.fail(err);
    }
    this.inputDone = true;
    this.advance();
  }

  /** Whether the stage is doing something that may make items or signals (not only waiting). */
  get busy(): boolean {
    if (this.failed) return false;
    if (this.pending.length > 0 && this.live < this.o.limit) return true;
    return this.calls.some((c) => !c.ended && !c.blocked);
  }

  /** Calls blocked on a signal. */
  blockedCalls(): HeldCall[] {
    return this.calls.filter((c) => c.blocked);
  }

  /** A value of signal `name` for every held call, now and later. */
  sendSignal(name: string, value: Json): void {
    if (this.closed.has(name) || this.failed) return;
    this.log.push({ name, value, end: false });
    this.stats.signals++;
    for (const c of this.calls) this.flush(c);
  }

  /** No more values of `name` come (quiescence); `producers` names the steps that send it. */
  closeSignal(name: string, producers: string): void {
    if (this.closed.has(name)) return;
    this.closed.add(name);
    this.closedOn.set(name, { calls: this.calls.filter((c) => c.blocked && c.awaiting?.name === name), producers });
    this.log.push({ name, value: null, end: true });
    const site = this.o.site;
    site.events.publish({ type: "signal.closed", step: site.step, signal: name, calls: this.live, time: Date.now() });
    for (const c of this.calls) this.flush(c);
  }

  /** Fails the stage (and the run) with `err`, cancelling every call. */
  fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.controller.abort(err);
    for (const c of this.calls) clearLongTimeout(c.timer);
    this.out.abort(err);
  }

  private startWhatFits(): void {
    while (!this.failed && this.pending.length > 0 && this.live < this.o.limit) {
      const item = this.pending.shift()!;
      let input: Json;
      try {
        input = this.o.args(item);
      } catch (err) {
        return this.fail(err);
      }
      const c = new HeldCall(this.calls.length, input);
      this.calls.push(c);
      this.live++;
      this.stats.live = this.live;
      void this.launch(c);
    }
  }

  private async launch(c: HeldCall): Promise<void> {
    const site = this.o.site;
    const attempt = ++c.attempt;
    c.restarting = false;
    c.handle = undefined;
    c.awaiting = undefined;
    c.delivered = 0;
    c.sentByName = new Map();
    c.endsSent = new Set();
    c.replayBelow = c.frontier;
    const controller = (c.controller = new AbortController());
    const unlink = (): void => controller.abort(this.controller.signal.reason);
    if (this.controller.signal.aborted) return;
    this.controller.signal.addEventListener("abort", unlink, { once: true });
    site.stats.callsStarted++;
    site.stats.inFlight++;
    // its progress counts in the step's until the attempt ends (call.progress names it by its index, as call.retried does)
    const progress = new CallProgress(site.progress, site.step, c.index, site.stats);
    const current = (): boolean => c.attempt === attempt && !c.ended && !this.failed;
    let handle: HeldHandle;
    try {
      if (!site.dispatcher.hold) throw new HeldCallError(site.step, `this dispatcher cannot run held calls (${site.worker}.${site.method})`);
      handle = await site.dispatcher.hold({
        step: site.step,
        worker: site.worker,
        method: site.method,
        input: c.input,
        attempt,
        signal: controller.signal,
        onYield: (value, round) => current() && this.onYield(c, value, round),
        onAwaiting: (name, round, taken) => current() && this.onAwaiting(c, name, round, taken),
        progress: progress.report,
      });
    } catch (err) {
      site.stats.inFlight--;
      progress.end();
      this.controller.signal.removeEventListener("abort", unlink);
      if (current()) void this.onFailure(c, attempt, err);
      return;
    }
    if (!current()) return progress.end();
    c.handle = handle;
    site.events.publish({ type: "held.started", step: site.step, call: c.index, attempt, replica: handle.replica, input: preview(c.input), time: Date.now() });
    this.flush(c);
    this.arm(c);
    handle.result.then(
      () => {
        site.stats.inFlight--;
        progress.end();
        this.controller.signal.removeEventListener("abort", unlink);
        if (current()) this.onEnded(c, attempt);
      },
      (err: unknown) => {
        site.stats.inFlight--;
        progress.end();
        this.controller.signal.removeEventListener("abort", unlink);
        if (current()) void this.onFailure(c, attempt, err);
      },
    );
  }

  /** Gives the call's current attempt the log entries it has not had yet. */
  private flush(c: HeldCall): void {
    const h = c.handle;
    if (!h || c.ended || c.restarting) return;
    if (c.delivered >= this.log.length) return;
    while (c.delivered < this.log.length) {
      const e = this.log[c.delivered++]!;
      if (e.end) {
        h.end(e.name);
        c.endsSent.add(e.name);
      } else {
        h.signal(e.name, e.value);
        c.sentByName.set(e.name, (c.sentByName.get(e.name) ?? 0) + 1);
      }
    }
    // a signal is an event of the call: its idle timer starts again
    this.arm(c);
  }

  private onYield(c: HeldCall, value: Json, round: number): void {
    c.awaiting = undefined;
    if (round < c.replayBelow) return this.arm(c);
    if (round < c.frontier) {
      return this.fail(
        new HeldCallError(
          this.step,
          `${this.o.site.worker}.${this.o.site.method} ${c.describe()} yielded twice in round ${round}: a held call yields at most once per round (one round per signal value taken)`,
        ),
      );
    }
    c.frontier = round + 1;
    c.rounds++;
    this.yieldsPerRound.set(round, (this.yieldsPerRound.get(round) ?? 0) + 1);
    this.out.offer(new RoundItem(value, round, c.index));
    this.arm(c);
    this.advance();
  }

  private onAwaiting(c: HeldCall, name: string, round: number, taken: number): void {
    c.awaiting = { name, taken };
    // it waits for value `round + 1`: whatever it yields next belongs to a later round
    c.frontier = Math.max(c.frontier, round + 1);
    this.arm(c);
    this.advance();
    this.refreshStats();
    if (c.blocked) this.o.onIdle();
  }

  private onEnded(c: HeldCall, attempt: number): void {
    const site = this.o.site;
    clearLongTimeout(c.timer);
    c.ended = true;
    site.stats.callsDone++;
    site.events.publish({ type: "held.finished", step: site.step, call: c.index, attempt, rounds: c.rounds, time: Date.now() });
    this.release();
  }

  /** A call ended: its slot goes to the next item, and the rounds it held open may close. */
  private release(): void {
    this.live--;
    this.stats.live = this.live;
    this.startWhatFits();
    this.advance();
    this.refreshStats();
    this.o.onIdle();
  }

  private async onFailure(c: HeldCall, attempt: number, err: unknown): Promise<void> {
    const site = this.o.site;
    const { options } = site;
    clearLongTimeout(c.timer);
    c.controller?.abort(err);
    if (this.failed || this.o.signal.aborted) return;
    const closed = c.awaiting && this.closedOn.get(c.awaiting.name);
    if (closed && isSignalEnded(err)) return this.fail(this.deadlock(c.awaiting!.name, closed.calls.length ? closed.calls : [c], closed.producers));
    const message = err instanceof Error ? err.message : String(err);
    const replica = replicaOf(err) ?? c.handle?.replica;
    const where = { worker: site.worker, ...(replica !== undefined ? { replica } : {}) };
    if (attempt <= options.retries && isRetryable(err)) {
      c.restarting = true;
      c.handle = undefined;
      site.stats.retries++;
      const delayMs = backoffDelay(options.backoffMs, attempt);
      site.events.publish({ type: "call.retried", step: site.step, callId: c.index, attempt, error: message, delayMs, ...where, time: Date.now() });
      // the stage's signal aborts on a failure or a cancel: the restart is off then
      const waited = await sleep(delayMs, this.controller.signal).then(
        () => true,
        () => false,
      );
      if (!waited || this.failed || this.o.signal.aborted) return;
      return void this.launch(c);
    }
    site.stats.callsFailed++;
    const failure = new CallFailedError(
      {
        step: site.step,
        worker: site.worker,
        method: site.method,
        replica,
        attempt,
        attempts: options.retries + 1,
        input: c.input,
        ...(site.loc ? { loc: site.loc } : {}),
      },
      { cause: err },
    );
    const skipped = options.onError === "skip";
    site.events.publish({
      type: "call.failed",
      step: site.step,
      callId: c.index,
      attempt,
      error: failure.message,
      skipped,
      input: preview(c.input),
      ...where,
      time: Date.now(),
    });
    if (!skipped) return this.fail(failure);
    c.ended = true;
    this.release();
  }

  private deadlock(name: string, calls: HeldCall[], producers: string): HeldCallError {
    const site = this.o.site;
    const who =
      calls
        .slice(0, 5)
        .map((x) => x.describe())
        .join(", ") + (calls.length > 5 ? ` and ${calls.length - 5} more` : "");
    return new HeldCallError(
      site.step,
      `deadlock: ${site.worker}.${site.method} ${who} wait${calls.length === 1 ? "s" : ""} for signal "${name}" with ctx.signal(), but nothing can send it any more: ${producers}. ` +
        `To end a loop when its signal ends, read it with ctx.signals("${name}")`,
    );
  }

  /** The call's idle timer: the time between two of its events, paused while it is blocked on a signal. */
  private arm(c: HeldCall): void {
    const ms = this.o.site.options.timeoutMs;
    if (ms === null) return;
    clearLongTimeout(c.timer);
    c.timer = undefined;
    if (c.ended || c.blocked || this.failed) return;
    const attempt = c.attempt;
    c.timer = setLongTimeout(() => {
      if (c.attempt !== attempt || c.ended || this.failed) return;
      void this.onFailure(c, attempt, new CallTimeoutError(ms, c.handle?.replica, "without an event (a yield, an await or a signal)"));
    }, ms);
  }

  /** Marks every round no live call can yield for any more; ends the output once every call has. */
  private advance(): void {
    if (this.failed || !this.inputDone || this.pending.length > 0) return;
    let low = Infinity;
    for (const c of this.calls) if (!c.ended) low = Math.min(low, c.frontier);
    if (low === Infinity) {
      this.closeRounds(Math.max(this.lastMark, ...this.yieldsPerRound.keys()));
      this.out.close();
      return;
    }
    this.closeRounds(low - 1);
  }

  private closeRounds(upTo: number): void {
    if (upTo <= this.lastMark) return;
    const site = this.o.site;
    const awaiting = this.awaitingNow();
    for (let r = this.lastMark + 1; r <= upTo; r++) {
      const yields = this.yieldsPerRound.get(r);
      if (yields === undefined) continue;
      this.yieldsPerRound.delete(r);
      site.events.publish({ type: "round.closed", step: site.step, round: r, yields, live: this.live, awaiting, time: Date.now() });
    }
    this.lastMark = upTo;
    this.stats.round = upTo;
    this.out.offer(new RoundMark(upTo));
  }

  private awaitingNow(): Record<string, number> {
    const awaiting: Record<string, number> = {};
    for (const c of this.calls) if (c.blocked) awaiting[c.awaiting!.name] = (awaiting[c.awaiting!.name] ?? 0) + 1;
    return awaiting;
  }

  private refreshStats(): void {
    this.stats.awaiting = this.awaitingNow();
  }
}

/** Whether a call failed because it asked for a signal that had ended (SignalEndedError in the worker). */
function isSignalEnded(err: unknown): boolean {
  for (let e = err as { cause?: unknown; remoteType?: unknown; name?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (e.remoteType === "SignalEndedError" || e.name === "SignalEndedError") return true;
  }
  return false;
}
