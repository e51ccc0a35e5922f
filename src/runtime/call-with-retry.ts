import type { CallOptions, Json, Loc } from "../ir/types.js";
import { isRefused, isRetryable, replicaOf, type Dispatcher } from "./dispatcher.js";
import { CallFailedError, CallTimeoutError, RunCancelledError, preview } from "./errors.js";
import type { RunEvents, StepStats } from "./events.js";
import { onAbort } from "./abort-registry.js";
import { clearLongTimeout, setLongTimeout, type LongTimer } from "../common/long-timer.js";
import { CallProgress, type ProgressEvents } from "./progress-events.js";

export interface CallSite {
  step: string;
  worker: string;
  method: string;
  options: CallOptions;
  loc?: Loc;
  stats: StepStats;
  events: RunEvents;
  dispatcher: Dispatcher;
  /** Counts a call answered from a resumed run's journal. */
  reused?: () => void;
  /** The run's call.progress events (without it, progress only counts in `stats.progress`). */
  progress?: ProgressEvents;
}

let nextCallId = 1;

/** Refusals for want of a slot a call waits out before one counts as a failed attempt (~1 min). */
const MAX_REFUSALS = 65;

/** Exponential backoff with full jitter around the base, capped at 100× the base. */
export function backoffDelay(baseMs: number, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(baseMs * 2 ** (attempt - 1), baseMs * 100);
  return Math.round(exp * (0.5 + random()));
}

/** Waits `ms` (any length), or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setLongTimeout(() => {
      off();
      resolve();
    }, ms);
    const off = onAbort(signal, (reason) => {
      clearLongTimeout(t);
      reject(reason);
    });
  });
}

/**
 * One call of a stage, with its deadline and retries. Resolves with its outputs: `[value]`,
 * or `[]` when it failed and the stage says `on error skip`; otherwise rejects with
 * CallFailedError.
 */
export function callWithRetry(site: CallSite, input: Json, signal: AbortSignal): Promise<Json[]> {
  const { options, stats } = site;
  if (options.timeoutMs !== null || site.events.detailed || signal.aborted) return attempts(site, input, signal, nextCallId++, 1);
  // the common case, one promise step and no async frame: a first attempt without a
  // deadline or per-call events (a thousand such calls in flight are a thousand of these)
  const callId = nextCallId++;
  stats.callsStarted++;
  stats.inFlight++;
  // made at the first report only: most calls report none
  let progress: CallProgress | undefined;
  // a report after the attempt ended is dropped, as CallProgress.end makes it
  let ended = false;
  let call: Promise<Json>;
  try {
    call = site.dispatcher.call({
      step: site.step,
      worker: site.worker,
      method: site.method,
      input,
      attempt: 1,
      timeoutMs: null,
      signal,
      reused: site.reused,
      progress: (fraction, message) => {
        if (!ended) (progress ??= new CallProgress(site.progress, site.step, callId, stats)).report(fraction, message);
      },
    });
  } catch (err) {
    // a dispatcher that throws instead of rejecting fails the attempt all the same
    call = Promise.reject(err);
  }
  return call.then(
    (value) => {
      ended = true;
      attemptEnded(stats, progress);
      stats.callsDone++;
      return [value];
    },
    async (err: unknown) => {
      ended = true;
      attemptEnded(stats, progress);
      const next = await afterFailure(site, input, signal, callId, 1, err, 0);
      return next === "skip" ? [] : attempts(site, input, signal, callId, next === "again" ? 1 : 2, next === "again" ? 1 : 0);
    },
  );
}

/** An attempt ended: it leaves the step's calls in flight and its progress. */
function attemptEnded(stats: StepStats, progress: CallProgress | undefined): void {
  stats.inFlight--;
  if (progress !== undefined) progress.end();
  // as CallProgress.end with nothing reported: no call of the step in flight, exactly 0
  else if (stats.inFlight === 0) stats.progress = 0;
}

/**
 * An item of an `on error skip` stage whose arguments could not be built (`err` says why):
 * no call goes out; it counts and is reported as a call failed at attempt 0, skipped.
 */
export function skipUnbuilt(site: CallSite, item: Json, err: Error): Json[] {
  site.stats.callsFailed++;
  site.events.publish({
    type: "call.failed",
    step: site.step,
    callId: nextCallId++,
    attempt: 0,
    error: err.message,
    skipped: true,
    input: preview(item),
    time: Date.now(),
  });
  return [];
}

/** Attempts `first`, `first + 1`, ... of a call until one succeeds or no retry is left. */
async function attempts(site: CallSite, input: Json, signal: AbortSignal, callId: number, first: number, refusedBefore = 0): Promise<Json[]> {
  let refused = refusedBefore;
  const { options, stats, events } = site;
  const detailed = events.detailed;
  for (let attempt = first; ; attempt++) {
    if (signal.aborted) throw signal.reason ?? new RunCancelledError("aborted");
    // a call of its own to abort only with a deadline; otherwise the stage's signal serves
    let controller: AbortController | undefined;
    let unlink: (() => void) | undefined;
    let timer: LongTimer | NodeJS.Timeout | undefined;
    let replica: number | undefined;
    let placed: ((r: number) => void) | undefined;
    let placedAt: number | undefined;
    let queued: LongTimer | NodeJS.Timeout | undefined;
    let settled = false;
    let workerMs: number | undefined;
    let ran: ((ms: number) => void) | undefined;
    if (detailed) {
      placed = (r) => {
        if (settled) return;
        replica = r;
        placedAt = performance.now();
      };
      ran = (ms) => void (workerMs = ms);
    }
    if (options.timeoutMs !== null) {
      const c = (controller = new AbortController());
      const ms = options.timeoutMs;
      unlink = onAbort(signal, (reason) => c.abort(reason));
      // the deadline runs from when the call reaches a replica, as the worker's does; the
      // wait for a free slot before that has a budget of its own, as long, so that a
      // worker whose slots never free cannot hold the call forever
      const arm = (): void => void (timer ??= setLongTimeout(() => c.abort(new CallTimeoutError(ms, replica)), ms));
      const timesPlacement = site.dispatcher.reportsPlacement === true;
      placed = (r) => {
        // placed after the attempt ended (aborted meanwhile): nothing to time
        if (c.signal.aborted || settled) return;
        replica = r;
        if (detailed) placedAt = performance.now();
        if (timesPlacement) {
          clearLongTimeout(queued);
          arm();
        }
      };
      if (timesPlacement) queued = setLongTimeout(() => c.abort(new CallTimeoutError(ms, undefined, "waiting for a free slot")), ms);
      else arm();
    }
    const callSignal = controller?.signal ?? signal;
    stats.callsStarted++;
    stats.inFlight++;
    const progress = new CallProgress(site.progress, site.step, callId, stats);
    const t0 = detailed ? performance.now() : 0;
    if (detailed) events.publish({ type: "call.started", step: site.step, worker: site.worker, method: site.method, callId, attempt, time: Date.now() });
    let failure: unknown;
    try {
      const call = site.dispatcher.call({
        step: site.step,
        worker: site.worker,
        method: site.method,
        input,
        attempt,
        timeoutMs: options.timeoutMs,
        signal: callSignal,
        placed,
        reused: site.reused,
        progress: progress.report,
        ...(ran ? { ran } : {}),
      });
      // the deadline holds even against a worker that ignores cancellation
      const value = await (controller === undefined ? call : Promise.race([call, abortedPromise(controller.signal)]));
      stats.callsDone++;
      if (detailed) {
        const queuedMs = placedAt === undefined || !site.dispatcher.reportsPlacement ? undefined : placedAt - t0;
        events.publish({
          type: "call.finished",
          step: site.step,
          callId,
          attempt,
          ms: performance.now() - t0,
          ...(replica !== undefined ? { replica } : {}),
          ...(queuedMs !== undefined ? { queuedMs } : {}),
          ...(workerMs !== undefined ? { workerMs } : {}),
          time: Date.now(),
        });
      }
      return [value];
    } catch (raw) {
      const reason: unknown = controller?.signal.reason;
      failure =
        reason instanceof CallTimeoutError
          ? reason
          : // the worker was told this very deadline and saw it pass first (its timer runs as
            // ours, and under load its answer can be read before our timer fires): one message
            controller !== undefined && options.timeoutMs !== null && sawDeadline(raw)
            ? new CallTimeoutError(options.timeoutMs, replicaOf(raw) ?? replica)
            : raw;
    } finally {
      stats.inFlight--;
      progress.end();
      settled = true;
      clearLongTimeout(timer);
      clearLongTimeout(queued);
      unlink?.();
    }
    const next = await afterFailure(site, input, signal, callId, attempt, failure, refused);
    if (next === "skip") return [];
    if (next === "again") {
      // the worker had no free slot: the same attempt goes again, not counted as one
      refused++;
      attempt--;
    }
  }
}

/**
 * After attempt `attempt` failed with `err`: rethrows a cancellation, waits the backoff
 * when a retry is left (then returns "retry"), or reports the call as failed and returns
 * "skip" (on error skip) or throws CallFailedError.
 */
async function afterFailure(
  site: CallSite,
  input: Json,
  signal: AbortSignal,
  callId: number,
  attempt: number,
  err: unknown,
  refused: number,
): Promise<"retry" | "again" | "skip"> {
  const { options, stats, events } = site;
  if (signal.aborted) {
    if (events.detailed) events.publish({ type: "call.cancelled", step: site.step, callId, time: Date.now() });
    throw signal.reason ?? err;
  }
  // refused for want of a free slot (a call the quarterback gave up on still runs in the
  // worker): wait for one, doubling 25 ms up to 1 s, for about a minute at most
  if (isRefused(err) && refused < MAX_REFUSALS) {
    stats.callsStarted--;
    await sleep(Math.min(1_000, 25 * 2 ** refused), signal);
    return "again";
  }
  const message = err instanceof Error ? err.message : String(err);
  const attempts = options.retries + 1;
  const replica = replicaOf(err);
  // where it failed: the run adds the replica's log offset (RunEvents.annotate)
  const where = { worker: site.worker, ...(replica !== undefined ? { replica } : {}) };
  if (attempt < attempts && isRetryable(err)) {
    const delayMs = backoffDelay(options.backoffMs, attempt);
    stats.retries++;
    events.publish({ type: "call.retried", step: site.step, callId, attempt, error: message, delayMs, ...where, time: Date.now() });
    await sleep(delayMs, signal);
    return "retry";
  }
  stats.callsFailed++;
  const failure = new CallFailedError(
    { step: site.step, worker: site.worker, method: site.method, replica, attempt, attempts, input, ...(site.loc ? { loc: site.loc } : {}) },
    { cause: err },
  );
  const skipped = options.onError === "skip";
  events.publish({ type: "call.failed", step: site.step, callId, attempt, error: failure.message, skipped, input: preview(input), ...where, time: Date.now() });
  if (skipped) return "skip";
  throw failure;
}

/** Whether `err`, or an error it was caused by, is a worker's DEADLINE_EXCEEDED. */
function sawDeadline(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) if ((e as { code?: unknown }).code === "DEADLINE_EXCEEDED") return true;
  return false;
}

function abortedPromise(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
