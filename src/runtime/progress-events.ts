/**
 * A step's call progress: each call's share of its step's `progress` counter, and its
 * call.progress events, coalesced. A worker may report progress thousands of times a
 * second; at most one event per call goes out every PROGRESS_EVENT_MS (the latest report
 * wins, flushed by one timer for the whole run), and none after the call ended.
 */
import type { RunEvents, StepStats } from "./events.js";

/** At most one call.progress event per call this often. */
export const PROGRESS_EVENT_MS = 250;

/** One attempt of one call: its share of the step's progress and its next event. */
export class CallProgress {
  /** Its share of `stats.progress`: the last fraction in [0, 1] it reported. */
  private share = 0;
  private fraction: number | null = null;
  private message = "";
  private ended = false;
  /** When its last event went out (performance.now()); -Infinity before the first. */
  lastAt = -Infinity;
  /** Whether a report waits for the timer. */
  waiting = false;

  constructor(
    /** Where its events go; without it, its progress only counts in `stats.progress`. */
    private readonly events: ProgressEvents | undefined,
    readonly step: string,
    readonly callId: number,
    private readonly stats: StepStats,
  ) {}

  /** A report from the worker; a fraction outside [0, 1] carries only the message. */
  readonly report = (fraction: number, message: string): void => {
    if (this.ended) return;
    if (fraction >= 0 && fraction <= 1) {
      this.stats.progress += fraction - this.share;
      this.share = this.fraction = fraction;
    }
    this.message = message;
    if (this.events?.runEvents.detailed) this.events.offer(this);
  };

  /** The attempt ended: its share leaves the step's progress, and no event follows. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    // no call of the step in flight: exactly 0, whatever rounding the sums left
    this.stats.progress = this.stats.inFlight === 0 ? 0 : this.stats.progress - this.share;
    this.share = 0;
    if (this.waiting) this.events?.drop(this);
  }

  /** @internal */
  publish(now: number): void {
    this.lastAt = now;
    this.events?.runEvents.publish({
      type: "call.progress",
      step: this.step,
      callId: this.callId,
      fraction: this.fraction,
      message: this.message,
      time: Date.now(),
    });
  }
}

/** The run's call.progress events: one timer for every call with a report waiting. */
export class ProgressEvents {
  private readonly pending = new Set<CallProgress>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;

  constructor(
    readonly runEvents: RunEvents,
    private readonly intervalMs = PROGRESS_EVENT_MS,
  ) {}

  /** Publishes the call's report now if its last event is old enough, else when it is. */
  offer(call: CallProgress): void {
    if (this.stopped) return;
    const now = performance.now();
    if (!call.waiting && now - call.lastAt >= this.intervalMs) return call.publish(now);
    if (!call.waiting) {
      call.waiting = true;
      this.pending.add(call);
    }
    this.arm(call.lastAt + this.intervalMs, now);
  }

  /** The call ended: its waiting report is dropped. */
  drop(call: CallProgress): void {
    call.waiting = false;
    this.pending.delete(call);
  }

  /** The run ended: nothing more goes out, and the timer is cleared. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const c of this.pending) c.waiting = false;
    this.pending.clear();
  }

  private arm(at: number, now: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.flush, Math.max(0, at - now));
    // a run's end clears it; until then it must not keep the process alive by itself
    this.timer.unref();
  }

  private readonly flush = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const c of this.pending) {
      const due = c.lastAt + this.intervalMs;
      // a timer may fire a little early
      if (due <= now + 1) {
        this.drop(c);
        c.publish(now);
      } else next = Math.min(next, due);
    }
    if (next !== Infinity) this.arm(next, now);
  };
}
