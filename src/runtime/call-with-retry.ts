import type { CallOptions, Json, Loc } from "../ir/types.js";
import { isRetryable, replicaOf, type Dispatcher } from "./dispatcher.js";
import { CallFailedError, CallTimeoutError, RunCancelledError, preview } from "./errors.js";
import type { RunEvents, StepStats } from "./events.js";
import { onAbort } from "./abort-registry.js";

export interface CallSite {
  step: string;
  worker: string;
  method: string;
  options: CallOptions;
  loc?: Loc;
  stats: StepStats;
  events: RunEvents;
  dispatcher: Dispatcher;
}

let nextCallId = 1;

/** Exponential backoff with full jitter around the base, capped at 100× the base. */
export function backoffDelay(baseMs: number, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(baseMs * 2 ** (attempt - 1), baseMs * 100);
  return Math.round(exp * (0.5 + random()));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      off();
      resolve();
    }, ms);
    const off = onAbort(signal, (reason) => {
      clearTimeout(t);
      reject(reason);
    });
  });
}

/**
 * One call of a stage, with its deadline and retries. Returns the result, or `skip`
 * when it failed and the stage says `on error skip`; otherwise throws CallFailedError.
 */
export async function callWithRetry(site: CallSite, input: Json, signal: AbortSignal): Promise<{ value: Json } | "skip"> {
  const { options, stats, events } = site;
  const attempts = options.retries + 1;
  const callId = nextCallId++;
  const detailed = events.detailed;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw signal.reason ?? new RunCancelledError("aborted");
    // a call of its own to abort only with a deadline; otherwise the stage's signal serves
    let controller: AbortController | undefined;
    let unlink: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== null) {
      const c = (controller = new AbortController());
      unlink = onAbort(signal, (reason) => c.abort(reason));
      timer = setTimeout(() => c.abort(new CallTimeoutError(options.timeoutMs!)), options.timeoutMs);
    }
    const callSignal = controller?.signal ?? signal;
    stats.callsStarted++;
    stats.inFlight++;
    const t0 = performance.now();
    if (detailed) events.publish({ type: "call.started", step: site.step, worker: site.worker, method: site.method, callId, attempt, time: Date.now() });
    try {
      const call = site.dispatcher.call({ worker: site.worker, method: site.method, input, attempt, timeoutMs: options.timeoutMs, signal: callSignal });
      // the deadline holds even against a worker that ignores cancellation
      const value = await (controller === undefined ? call : Promise.race([call, abortedPromise(controller.signal)]));
      stats.callsDone++;
      if (detailed) events.publish({ type: "call.finished", step: site.step, callId, attempt, ms: performance.now() - t0, time: Date.now() });
      return { value };
    } catch (raw) {
      const err = controller?.signal.reason instanceof CallTimeoutError ? controller.signal.reason : raw;
      if (signal.aborted) {
        if (detailed) events.publish({ type: "call.cancelled", step: site.step, callId, time: Date.now() });
        throw signal.reason ?? err;
      }
      const message = err instanceof Error ? err.message : String(err);
      if (attempt < attempts && isRetryable(err)) {
        const delayMs = backoffDelay(options.backoffMs, attempt);
        stats.retries++;
        events.publish({ type: "call.retried", step: site.step, callId, attempt, error: message, delayMs, time: Date.now() });
        await sleep(delayMs, signal);
        continue;
      }
      stats.callsFailed++;
      const failure = new CallFailedError(
        { step: site.step, worker: site.worker, method: site.method, replica: replicaOf(err), attempt, attempts, input, ...(site.loc ? { loc: site.loc } : {}) },
        { cause: err },
      );
      const skipped = options.onError === "skip";
      events.publish({ type: "call.failed", step: site.step, callId, attempt, error: failure.message, skipped, input: preview(input), time: Date.now() });
      if (skipped) return "skip";
      throw failure;
    } finally {
      stats.inFlight--;
      if (timer) clearTimeout(timer);
      unlink?.();
    }
  }
}

function abortedPromise(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
