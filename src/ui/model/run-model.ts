/**
 * Folds a run's events into what the page draws (a RunView). The live page feeds it the
 * events as they stream; a report feeds it the whole event log on the server and embeds
 * the bounded view it gives. Pure: no DOM, no Node.
 */
import type { Bar, CallView, RunStatus, RunView, StepInfo, StepView, Throughput } from "./view-types.js";
import type { UiEvent } from "./ui-events.js";

/** How much of the per-call detail a view keeps (counters are always exact). */
export interface ViewLimits {
  /** Calls listed per step: the slowest, then the running ones. */
  callsPerStep: number;
  failures: number;
  /** Timeline bars; past it, every k-th in order of their end, failures always kept. */
  bars: number;
  /** Throughput buckets; past it, buckets are merged (wider). */
  buckets: number;
}

export const LIVE_LIMITS: ViewLimits = { callsPerStep: 200, failures: 200, bars: 4000, buckets: 3600 };

/** Which costly parts a view computes (a live page asks only for what it is about to draw). */
export interface ViewParts {
  /** Steps whose calls are listed: "all", or some (the others get an empty list). */
  callsOf: "all" | string[];
  bars: boolean;
}

interface StepAcc extends StepView {
  info: StepInfo | undefined;
  sumMs: number;
  timed: number;
  heldCalls: Set<number>;
}

const BUCKET_MS = 1000;

function newStep(name: string, info: StepInfo | undefined): StepAcc {
  return {
    name,
    info,
    state: "waiting",
    planned: info?.planned ?? null,
    started: 0,
    done: 0,
    reused: 0,
    failed: 0,
    retried: 0,
    inFlight: 0,
    items: null,
    fraction: null,
    held: info?.held ? { live: 0, round: -1, awaiting: {} } : null,
    startedAt: null,
    finishedAt: null,
    meanMs: null,
    maxMs: null,
    sumMs: 0,
    timed: 0,
    heldCalls: new Set(),
  };
}

export class RunModel {
  private readonly steps = new Map<string, StepAcc>();
  private readonly calls = new Map<string, CallView>();
  /** Calls finished per second since the epoch (the bucket's index). */
  private readonly finished = new Map<number, number>();
  private perCallFinished = 0;
  private rolledDone: number | null = null;
  private status: RunStatus = "unknown";
  private error: string | null = null;
  private startedAt: number | null = null;
  private finishedAt: number | null = null;
  private lastTime: number | null = null;
  /** Events applied so far. */
  count = 0;

  constructor(private readonly infos: StepInfo[]) {
    for (const i of infos) this.steps.set(i.name, newStep(i.name, i));
  }

  private step(name: string): StepAcc {
    let s = this.steps.get(name);
    if (!s) this.steps.set(name, (s = newStep(name, undefined)));
    return s;
  }

  private call(step: string, callId: number): CallView {
    const key = `${step}#${callId}`;
    let c = this.calls.get(key);
    if (!c) this.calls.set(key, (c = { step, callId, attempt: 1, state: "running" }));
    return c;
  }

  private bucket(time: number, n: number): void {
    const b = Math.floor(time / BUCKET_MS);
    this.finished.set(b, (this.finished.get(b) ?? 0) + n);
  }

  /** A call leaves the running state: the step has one in flight less. */
  private settle(c: CallView): void {
    if (c.state === "running") {
      const s = this.step(c.step);
      s.inFlight = Math.max(0, s.inFlight - 1);
    }
  }

  apply(e: UiEvent): void {
    this.count++;
    if (typeof e.time === "number") this.lastTime = Math.max(this.lastTime ?? 0, e.time);
    switch (e.type) {
      case "run.started":
        this.status = "running";
        this.startedAt = e.time;
        for (const s of e.steps) this.step(s);
        return;
      case "run.finished":
        this.status = "finished";
        this.finishedAt = e.time;
        return;
      case "run.failed":
        this.status = "failed";
        this.error = e.error;
        this.finishedAt = e.time;
        return;
      case "run.cancelled":
        this.status = "cancelled";
        this.error = e.reason;
        this.finishedAt = e.time;
        return;
      case "step.started": {
        const s = this.step(e.step);
        if (s.state === "waiting") s.state = "running";
        s.startedAt ??= e.time;
        return;
      }
      case "step.finished": {
        const s = this.step(e.step);
        s.state = "done";
        s.items = e.items;
        s.finishedAt = e.time;
        for (const t of this.steps.values()) if (t.info?.perItemOf === e.step && t.planned === null) t.planned = e.items;
        return;
      }
      case "step.failed":
      case "step.cancelled": {
        const s = this.step(e.step);
        s.state = e.type === "step.failed" ? "failed" : "cancelled";
        s.finishedAt = e.time;
        return;
      }
      case "call.started": {
        const s = this.step(e.step);
        const c = this.call(e.step, e.callId);
        if (c.state !== "running" || c.startedAt === undefined) s.inFlight++;
        Object.assign(c, { attempt: e.attempt, state: "running", worker: e.worker, method: e.method, startedAt: e.time });
        const line = s.info?.stageLines[`${e.worker}.${e.method}`];
        if (line !== undefined) c.line = line;
        s.started++;
        if (s.state === "waiting") s.state = "running";
        return;
      }
      case "call.finished": {
        const s = this.step(e.step);
        const c = this.call(e.step, e.callId);
        this.settle(c);
        c.state = "done";
        c.attempt = e.attempt;
        c.ms = e.ms;
        c.endedAt = e.time;
        c.startedAt = e.time - e.ms;
        if (e.replica !== undefined) c.replica = e.replica;
        if (e.queuedMs !== undefined) c.queuedMs = e.queuedMs;
        if (e.workerMs !== undefined) {
          c.workerMs = e.workerMs;
          c.transportMs = Math.max(0, e.ms - (e.queuedMs ?? 0) - e.workerMs);
        }
        delete c.progress;
        s.done++;
        s.sumMs += e.ms;
        s.timed++;
        s.maxMs = Math.max(s.maxMs ?? 0, e.ms);
        this.perCallFinished++;
        this.bucket(e.time, 1);
        return;
      }
      case "call.retried":
      case "call.failed": {
        const s = this.step(e.step);
        const c = this.call(e.step, e.callId);
        this.settle(c);
        c.attempt = e.attempt;
        c.error = e.error;
        if (e.replica !== undefined) c.replica = e.replica;
        else if (c.replica === undefined) {
          // an engine without `replica` on failures names it in the message (CallFailedError's own words)
          const m = / on replica (\d+), attempt /.exec(e.error);
          if (m) c.replica = Number(m[1]);
        }
        if (e.worker !== undefined) c.worker = e.worker;
        if (e.logOffset !== undefined) c.logOffset = e.logOffset;
        c.worker ??= s.info?.workers[0];
        if (e.type === "call.retried") {
          c.state = "retrying";
          s.retried++;
        } else {
          c.state = "failed";
          c.input = e.input;
          c.skipped = e.skipped;
          c.endedAt = e.time;
          if (c.startedAt !== undefined && c.ms === undefined) c.ms = e.time - c.startedAt;
          c.line ??= s.info?.line;
          s.failed++;
        }
        return;
      }
      case "call.cancelled": {
        const c = this.call(e.step, e.callId);
        this.settle(c);
        c.state = "cancelled";
        c.endedAt = e.time;
        if (c.startedAt !== undefined && c.ms === undefined) c.ms = e.time - c.startedAt;
        return;
      }
      case "call.progress": {
        const c = this.calls.get(`${e.step}#${e.callId}`);
        if (c && (c.state === "running" || c.state === "held")) c.progress = { fraction: e.fraction ?? -1, message: e.message };
        return;
      }
      case "calls.rolled": {
        let total = 0;
        for (const r of e.steps) {
          const s = this.step(r.step);
          Object.assign(s, { done: r.done, reused: r.reused, failed: r.failed, retried: r.retries, inFlight: r.inFlight });
          total += r.done;
        }
        this.bucket(e.time, Math.max(0, total - (this.rolledDone ?? this.perCallFinished)));
        this.rolledDone = total;
        return;
      }
      case "held.started": {
        const s = this.step(e.step);
        const c = this.call(e.step, e.call);
        Object.assign(c, { attempt: e.attempt, state: "held", replica: e.replica, input: e.input, startedAt: e.time });
        c.worker ??= s.info?.workers[0];
        c.line ??= s.info?.line;
        if (s.state === "waiting") s.state = "running";
        s.held ??= { live: 0, round: -1, awaiting: {} };
        if (!s.heldCalls.has(e.call)) {
          s.heldCalls.add(e.call);
          s.held.live++;
          s.started++;
        }
        return;
      }
      case "held.finished": {
        const s = this.step(e.step);
        const c = this.call(e.step, e.call);
        c.state = "done";
        c.rounds = e.rounds;
        c.endedAt = e.time;
        if (c.startedAt !== undefined) c.ms = e.time - c.startedAt;
        if (s.heldCalls.delete(e.call) && s.held) s.held.live = Math.max(0, s.held.live - 1);
        s.done++;
        this.bucket(e.time, 1);
        return;
      }
      case "round.closed": {
        const s = this.step(e.step);
        s.held = { live: e.live, round: e.round, awaiting: e.awaiting };
        return;
      }
      default:
        return;
    }
  }

  /** The view, bounded by `limits`. */
  view(limits: ViewLimits = LIVE_LIMITS, parts: ViewParts = { callsOf: "all", bars: true }): RunView {
    const sampled: string[] = [];
    const all = [...this.calls.values()];
    // the progress in-flight calls report, per step, in one pass
    const partials = new Map<string, number>();
    for (const c of all)
      if (c.state === "running" && c.progress && c.progress.fraction >= 0) partials.set(c.step, (partials.get(c.step) ?? 0) + c.progress.fraction);
    const steps: StepView[] = [...this.steps.values()].map((s) => {
      const { info: _info, sumMs, timed, heldCalls: _held, ...v } = s;
      const partial = partials.get(s.name) ?? 0;
      const fraction = v.planned ? Math.min(1, (v.done + partial) / v.planned) : v.state === "done" ? 1 : null;
      return { ...v, fraction, meanMs: timed ? sumMs / timed : null, held: v.held ? { ...v.held, awaiting: { ...v.held.awaiting } } : null };
    });
    const calls: Record<string, CallView[]> = {};
    for (const s of steps) {
      if (parts.callsOf !== "all" && !parts.callsOf.includes(s.name)) {
        calls[s.name] = [];
        continue;
      }
      const own = all.filter((c) => c.step === s.name);
      own.sort(slowestFirst(this.lastTime ?? 0));
      calls[s.name] = own.slice(0, limits.callsPerStep).map((c) => ({ ...c }));
      if (own.length > limits.callsPerStep) sampled.push(`step ${s.name}: the ${limits.callsPerStep} slowest of ${own.length} calls listed`);
    }
    const failedAll = all.filter((c) => c.state === "failed" || (c.state === "retrying" && c.error !== undefined));
    failedAll.sort((a, b) => rank(a) - rank(b) || (a.endedAt ?? 0) - (b.endedAt ?? 0));
    const failures = failedAll.slice(0, limits.failures).map((c) => ({ ...c }));
    if (failedAll.length > limits.failures) sampled.push(`the first ${limits.failures} of ${failedAll.length} failed or retried calls shown`);
    const bars = parts.bars ? this.bars(all, limits, sampled) : [];
    const throughput = this.throughput(limits, sampled);
    const sum = (f: (s: StepView) => number): number => steps.reduce((t, s) => t + f(s), 0);
    const plannedAll = steps.length > 0 && steps.every((s) => s.planned !== null) ? sum((s) => s.planned!) : null;
    return {
      status: this.status,
      error: this.error,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      lastTime: this.lastTime,
      steps,
      calls,
      failures,
      bars,
      throughput,
      rolled: this.rolledDone !== null,
      sampled,
      totals: {
        done: sum((s) => s.done),
        failed: sum((s) => s.failed),
        retried: sum((s) => s.retried),
        inFlight: sum((s) => s.inFlight),
        planned: plannedAll,
      },
    };
  }

  private bars(all: CallView[], limits: ViewLimits, sampled: string[]): Bar[] {
    const now = this.lastTime ?? 0;
    const bars: Bar[] = [];
    for (const c of all) {
      if (c.startedAt === undefined) continue;
      const lane = `${c.worker ?? this.steps.get(c.step)?.info?.workers[0] ?? "?"}-${c.replica ?? "?"}`;
      bars.push({ lane, step: c.step, callId: c.callId, start: c.startedAt, end: c.endedAt ?? now, state: c.state });
    }
    bars.sort((a, b) => a.end - b.end);
    if (bars.length <= limits.bars) return bars;
    const k = Math.ceil(bars.length / limits.bars);
    sampled.push(`timeline: every ${k}th of ${bars.length} calls in order of their end, and every failed one`);
    let failed = 0;
    return bars.filter((b, i) => i % k === 0 || (b.state === "failed" && failed++ < limits.failures));
  }

  private throughput(limits: ViewLimits, sampled: string[]): Throughput {
    const keys = [...this.finished.keys()];
    if (keys.length === 0) return { t0: this.startedAt ?? 0, bucketMs: BUCKET_MS, counts: [] };
    const first = Math.min(...keys, Math.floor((this.startedAt ?? Infinity) / BUCKET_MS));
    const last = Math.max(...keys);
    const n = last - first + 1;
    const width = Math.max(1, Math.ceil(n / limits.buckets));
    if (width > 1) sampled.push(`throughput: ${width}-second buckets`);
    const counts = new Array<number>(Math.ceil(n / width)).fill(0);
    for (const [b, c] of this.finished) counts[Math.floor((b - first) / width)]! += c;
    return { t0: first * BUCKET_MS, bucketMs: BUCKET_MS * width, counts };
  }
}

/** Failures before retries. */
function rank(c: CallView): number {
  return c.state === "failed" ? 0 : 1;
}

/** Slowest first: a running call counts as long as it has run so far. */
function slowestFirst(now: number): (a: CallView, b: CallView) => number {
  const ms = (c: CallView): number => c.ms ?? (c.startedAt !== undefined ? (c.endedAt ?? now) - c.startedAt : 0);
  return (a, b) => ms(b) - ms(a) || a.callId - b.callId;
}
