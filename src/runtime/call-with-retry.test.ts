import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CallOptions, Json, Loc } from "../ir/types.js";
import { backoffDelay, callWithRetry, sleep, type CallSite } from "./call-with-retry.js";
import type { CallRequest, Dispatcher } from "./dispatcher.js";
import { CallFailedError, CallTimeoutError, RunCancelledError } from "./errors.js";
import { RunEvents, type RunEvent, type StepStats } from "./events.js";
import { flush, track } from "./test-flows.js";

function options(o: Partial<CallOptions> = {}): CallOptions {
  return { parallel: null, timeoutMs: null, retries: 0, backoffMs: 100, ordered: false, onError: "fail", ...o };
}

function freshStats(): StepStats {
  return { step: "s", emitted: 0, callsStarted: 0, callsDone: 0, callsReused: 0, callsFailed: 0, retries: 0, inFlight: 0, progress: 0, state: "running" };
}

interface Harness {
  site: CallSite;
  requests: CallRequest[];
  events: RunEvent[];
  stats: StepStats;
}

/** A call site whose dispatcher answers with `handle` (the request and its 1-based number). */
function harness(
  handle: (req: CallRequest, n: number) => Promise<Json>,
  o: Partial<CallOptions> = {},
  extra: { detailed?: boolean; reportsPlacement?: boolean; loc?: Loc; reused?: () => void } = {},
): Harness {
  const requests: CallRequest[] = [];
  const events: RunEvent[] = [];
  const runEvents = new RunEvents(extra.detailed ?? false);
  runEvents.on("event", (e) => events.push(e));
  const dispatcher: Dispatcher = {
    call: (req) => {
      requests.push(req);
      return handle(req, requests.length);
    },
    ...(extra.reportsPlacement === undefined ? {} : { reportsPlacement: extra.reportsPlacement }),
  };
  const stats = freshStats();
  const site: CallSite = {
    step: "s",
    worker: "w",
    method: "m",
    options: options(o),
    stats,
    events: runEvents,
    dispatcher,
    ...(extra.loc ? { loc: extra.loc } : {}),
    ...(extra.reused ? { reused: extra.reused } : {}),
  };
  return { site, requests, events, stats };
}

const refusal = (): Error => Object.assign(new Error("no free slot"), { refused: true });
const transient = (msg = "flaky"): Error => Object.assign(new Error(msg), { retryable: true });
const fatal = (msg = "bad input", replica?: number): Error => Object.assign(new Error(msg), { retryable: false, replica });
const never = (): Promise<Json> => new Promise(() => undefined);

/** Advances the fake clock by each step's ms in turn, expecting the dispatcher to have had that step's count of requests by then. */
async function expectRequestsOver(h: Harness, steps: Array<[ms: number, requests: number]>): Promise<void> {
  for (const [ms, requests] of steps) {
    await vi.advanceTimersByTimeAsync(ms);
    expect(h.requests).toHaveLength(requests);
  }
}

describe("backoffDelay", () => {
  it("doubles the base per attempt, jittered by 0.5 + random()", () => {
    expect(backoffDelay(100, 1, () => 0)).toBe(50);
    expect(backoffDelay(100, 1, () => 0.5)).toBe(100);
    expect(backoffDelay(100, 2, () => 0.5)).toBe(200);
    expect(backoffDelay(100, 3, () => 0.5)).toBe(400);
    expect(backoffDelay(100, 4, () => 0.25)).toBe(600);
    expect(backoffDelay(100, 2, () => 0.99)).toBe(298);
    expect(backoffDelay(10, 1, () => 0.123)).toBe(6);
  });

  it("caps the exponential at 100 times the base", () => {
    expect(backoffDelay(100, 7, () => 0.5)).toBe(6400);
    expect(backoffDelay(100, 8, () => 0.5)).toBe(10_000);
    expect(backoffDelay(100, 40, () => 0)).toBe(5000);
    expect(backoffDelay(100, 40, () => 1)).toBe(15_000);
  });

  it("jitters with Math.random by default", () => {
    const spy = vi.spyOn(Math, "random").mockReturnValue(0.75);
    try {
      expect(backoffDelay(40, 2)).toBe(100);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("sleep", () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
  afterEach(() => void vi.useRealTimers());

  it("resolves after the delay, not before", async () => {
    const s = track(sleep(100, new AbortController().signal));
    await vi.advanceTimersByTimeAsync(99);
    expect(s.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.settled()).toBe(true);
    await expect(s.result).resolves.toBeUndefined();
  });

  it("rejects with the signal's reason as soon as it aborts, and drops its timer", async () => {
    const ac = new AbortController();
    const s = track(sleep(10_000, ac.signal));
    await vi.advanceTimersByTimeAsync(10);
    const reason = new Error("stop");
    ac.abort(reason);
    await flush();
    expect(s.settled()).toBe(true);
    await expect(s.result).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects at once on a signal already aborted", async () => {
    const ac = new AbortController();
    const reason = new Error("gone");
    ac.abort(reason);
    await expect(sleep(10, ac.signal)).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("callWithRetry", () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }));
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  describe("a first attempt without deadline or per-call events", () => {
    it("makes one call and counts it", async () => {
      const reused = (): void => undefined;
      const h = harness(async (req) => ({ got: req.input }), {}, { reused });
      const signal = new AbortController().signal;
      await expect(callWithRetry(h.site, 7, signal)).resolves.toEqual([{ got: 7 }]);
      expect(h.requests).toHaveLength(1);
      // no placement callback: without a deadline there is nothing to time; a progress callback, always
      expect(h.requests[0]).toStrictEqual({
        step: "s",
        worker: "w",
        method: "m",
        input: 7,
        attempt: 1,
        timeoutMs: null,
        signal,
        reused,
        progress: expect.any(Function),
      });
      expect(h.stats).toMatchObject({ callsStarted: 1, callsDone: 1, callsFailed: 0, retries: 0, inFlight: 0 });
      expect(h.events).toEqual([]);
    });

    it("drops a progress report that comes after the attempt ended, reported before or not", async () => {
      for (const before of [false, true]) {
        const h = harness(async (req) => {
          if (before) req.progress!(0.25, "early");
          return 1;
        });
        await callWithRetry(h.site, 1, new AbortController().signal);
        expect(h.stats.progress).toBe(0);
        // a late report, as a dispatcher that keeps the callback past the answer would send
        h.requests[0]!.progress!(0.5, "late");
        expect(h.stats.progress).toBe(0);
        expect(h.stats.inFlight).toBe(0);
      }
    });

    it("gives each call the next call id", async () => {
      const h = harness(async () => Promise.reject(fatal()), { onError: "skip" });
      const signal = new AbortController().signal;
      await expect(callWithRetry(h.site, 1, signal)).resolves.toEqual([]);
      await expect(callWithRetry(h.site, 2, signal)).resolves.toEqual([]);
      const ids = h.events.map((e) => (e.type === "call.failed" ? e.callId : NaN));
      expect(ids).toHaveLength(2);
      expect(ids[1]).toBe(ids[0]! + 1);
    });

    it("fails like a rejection when the dispatcher throws", async () => {
      const h = harness(() => {
        throw fatal("thrown");
      });
      const err = await callWithRetry(h.site, 1, new AbortController().signal).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CallFailedError);
      expect((err as Error).message).toBe("step `s`: w.m, attempt 1/1, input 1: thrown");
      expect(h.stats).toMatchObject({ callsStarted: 1, callsFailed: 1, inFlight: 0 });
    });

    it("waits out a refusal (25 ms, then doubling) and goes again as the same attempt", async () => {
      const h = harness(async (_req, n) => (n <= 3 ? Promise.reject(refusal()) : "ok"));
      const r = track(callWithRetry(h.site, 1, new AbortController().signal));
      await flush();
      expect(h.requests).toHaveLength(1);
      await expectRequestsOver(h, [
        [24, 1],
        [1, 2],
        [49, 2],
        [1, 3],
        [99, 3],
        [1, 4],
      ]);
      await expect(r.result).resolves.toEqual(["ok"]);
      expect(h.requests.map((q) => q.attempt)).toEqual([1, 1, 1, 1]);
      // a refused call never ran: it is started once, not four times
      expect(h.stats).toMatchObject({ callsStarted: 1, callsDone: 1, retries: 0, callsFailed: 0, inFlight: 0 });
      expect(h.events).toEqual([]);
    });

    it("after a failed attempt, a refusal starts again from 25 ms and keeps the attempt", async () => {
      vi.spyOn(Math, "random").mockReturnValue(0.5);
      const h = harness(async (_req, n) => (n === 1 ? Promise.reject(transient()) : n === 2 ? Promise.reject(refusal()) : "ok"), {
        retries: 1,
        backoffMs: 100,
      });
      const r = track(callWithRetry(h.site, 1, new AbortController().signal));
      await expectRequestsOver(h, [
        [100, 2],
        [24, 2],
        [1, 3],
      ]);
      await expect(r.result).resolves.toEqual(["ok"]);
      expect(h.requests.map((q) => q.attempt)).toEqual([1, 2, 2]);
    });

    it("retries a retryable failure after the backoff, publishing call.retried", async () => {
      vi.spyOn(Math, "random").mockReturnValue(0.5);
      const h = harness(async (_req, n) => (n === 1 ? Promise.reject(transient("flaky once")) : "ok"), { retries: 2, backoffMs: 80 });
      const r = track(callWithRetry(h.site, 1, new AbortController().signal));
      await expectRequestsOver(h, [
        [79, 1],
        [1, 2],
      ]);
      await expect(r.result).resolves.toEqual(["ok"]);
      expect(h.requests.map((q) => q.attempt)).toEqual([1, 2]);
      expect(h.events).toEqual([
        { type: "call.retried", step: "s", callId: expect.any(Number), attempt: 1, error: "flaky once", delayMs: 80, worker: "w", time: expect.any(Number) },
      ]);
      expect(h.stats).toMatchObject({ callsStarted: 2, callsDone: 1, retries: 1, callsFailed: 0, inFlight: 0 });
    });

    it("gives up after 65 refusals (about a minute): the next one fails the attempt", async () => {
      const h = harness(async () => Promise.reject(refusal()));
      const r = track(callWithRetry(h.site, { x: 1 }, new AbortController().signal));
      // 25 + 50 + ... + 800, then 1 s each: 1575 + 59 × 1000
      await vi.advanceTimersByTimeAsync(60_574);
      expect(r.settled()).toBe(false);
      expect(h.requests).toHaveLength(65);
      await vi.advanceTimersByTimeAsync(1);
      expect(r.settled()).toBe(true);
      const err = await r.result.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CallFailedError);
      expect((err as Error).message).toBe('step `s`: w.m, attempt 1/1, input {"x":1}: no free slot');
      expect(h.requests).toHaveLength(66);
      expect(h.stats).toMatchObject({ callsStarted: 1, callsDone: 0, callsFailed: 1, retries: 0, inFlight: 0 });
      expect(h.events.map((e) => e.type)).toEqual(["call.failed"]);
    });
  });

  describe("failure", () => {
    it("fails with CallFailedError naming the call, after its last attempt", async () => {
      vi.spyOn(Math, "random").mockReturnValue(0);
      const loc: Loc = { line: 3, col: 5, endLine: 3, endCol: 20 };
      const last = Object.assign(new Error("still broken"), { replica: 3 });
      const h = harness(async (_req, n) => Promise.reject(n === 1 ? transient("broken") : last), { retries: 1, backoffMs: 10 }, { loc });
      const r = callWithRetry(h.site, { a: [1, 2] }, new AbortController().signal).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(5);
      const err = await r;
      expect(err).toBeInstanceOf(CallFailedError);
      const failed = err as CallFailedError;
      expect(failed.call).toEqual({ step: "s", worker: "w", method: "m", replica: 3, attempt: 2, attempts: 2, input: { a: [1, 2] }, loc });
      expect(failed.message).toBe('step `s`: w.m on replica 3, attempt 2/2, input {"a":[1,2]}: still broken');
      expect(failed.cause).toBe(last);
      expect(h.stats).toMatchObject({ callsStarted: 2, callsDone: 0, callsFailed: 1, retries: 1, inFlight: 0 });
      expect(h.events).toEqual([
        { type: "call.retried", step: "s", callId: expect.any(Number), attempt: 1, error: "broken", delayMs: 5, worker: "w", time: expect.any(Number) },
        {
          type: "call.failed",
          step: "s",
          callId: expect.any(Number),
          attempt: 2,
          error: failed.message,
          skipped: false,
          input: '{"a":[1,2]}',
          worker: "w",
          replica: 3,
          time: expect.any(Number),
        },
      ]);
    });

    it("does not retry a failure that is not retryable", async () => {
      const h = harness(async () => Promise.reject(fatal("nope", 0)), { retries: 5 });
      const err = await callWithRetry(h.site, "i", new AbortController().signal).catch((e: unknown) => e);
      expect((err as CallFailedError).call).toEqual({ step: "s", worker: "w", method: "m", replica: 0, attempt: 1, attempts: 6, input: "i" });
      expect(h.requests).toHaveLength(1);
    });

    it("on error skip: a failed later attempt resolves with no output and no further call", async () => {
      const h = harness(async (_req, n) => (n === 1 ? Promise.reject(fatal("no")) : "late"), { onError: "skip", timeoutMs: 1000 }, { detailed: true });
      await expect(callWithRetry(h.site, 1, new AbortController().signal)).resolves.toEqual([]);
      expect(h.requests).toHaveLength(1);
      expect(h.stats).toMatchObject({ callsStarted: 1, callsDone: 0, callsFailed: 1, inFlight: 0 });
      expect(h.events.map((e) => e.type)).toEqual(["call.started", "call.failed"]);
      expect(h.events[1]).toMatchObject({ type: "call.failed", skipped: true, input: "1", attempt: 1 });
    });

    it("fails like a rejection when the dispatcher throws, with a deadline", async () => {
      const h = harness(
        () => {
          throw fatal("thrown");
        },
        { timeoutMs: 1000 },
      );
      const err = await callWithRetry(h.site, 1, new AbortController().signal).catch((e: unknown) => e);
      expect((err as Error).message).toBe("step `s`: w.m, attempt 1/1, input 1: thrown");
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe("per-call events", () => {
    it("publishes call.started and call.finished with the call's coordinates and duration", async () => {
      await vi.advanceTimersByTimeAsync(1000);
      const h = harness(async (req) => (await sleep(30, req.signal), "v"), {}, { detailed: true });
      const signal = new AbortController().signal;
      const r = callWithRetry(h.site, 1, signal);
      await vi.advanceTimersByTimeAsync(30);
      await expect(r).resolves.toEqual(["v"]);
      const id = (h.events[0] as { callId: number }).callId;
      expect(h.events).toEqual([
        { type: "call.started", step: "s", worker: "w", method: "m", callId: id, attempt: 1, time: expect.any(Number) },
        { type: "call.finished", step: "s", callId: id, attempt: 1, ms: 30, time: expect.any(Number) },
      ]);
      // without a deadline the call gets the stage's own signal
      expect(h.requests[0]!.signal).toBe(signal);
      expect(h.requests[0]!.timeoutMs).toBeNull();
      expect(vi.getTimerCount()).toBe(0);
    });

    it("numbers calls in order and attempts within one", async () => {
      vi.spyOn(Math, "random").mockReturnValue(0.5);
      const h = harness(async (req, n) => (n === 1 ? Promise.reject(transient("again")) : req.input), { retries: 1, backoffMs: 10 }, { detailed: true });
      const signal = new AbortController().signal;
      const a = callWithRetry(h.site, "a", signal);
      await vi.advanceTimersByTimeAsync(10);
      await expect(a).resolves.toEqual(["a"]);
      await expect(callWithRetry(h.site, "b", signal)).resolves.toEqual(["b"]);
      const first = (h.events[0] as { callId: number }).callId;
      expect(h.events.map((e) => [e.type, (e as { callId: number }).callId, (e as { attempt?: number }).attempt])).toEqual([
        ["call.started", first, 1],
        ["call.retried", first, 1],
        ["call.started", first, 2],
        ["call.finished", first, 2],
        ["call.started", first + 1, 1],
        ["call.finished", first + 1, 1],
      ]);
    });

    /** A call placed on replica 2 after `queueMs` in the quarterback, then answered `workMs` later. */
    async function placedCall(o: Partial<CallOptions>, reportsPlacement: boolean, queueMs: number, workMs: number): Promise<RunEvent> {
      const h = harness(
        async (req) => {
          await sleep(queueMs, req.signal);
          req.placed?.(2);
          await sleep(workMs, req.signal);
          return "v";
        },
        o,
        { detailed: true, reportsPlacement },
      );
      const r = callWithRetry(h.site, 1, new AbortController().signal);
      await vi.advanceTimersByTimeAsync(queueMs + workMs);
      await expect(r).resolves.toEqual(["v"]);
      return h.events.find((e) => e.type === "call.finished")!;
    }

    it.each([
      ["without a deadline", {}],
      ["with a deadline", { timeoutMs: 5_000 }],
    ])("call.finished names the replica and the time queued before placement, %s", async (_, o) => {
      await vi.advanceTimersByTimeAsync(1000);
      expect(await placedCall(o, true, 40, 25)).toMatchObject({ replica: 2, queuedMs: 40, ms: 65 });
    });

    it.each([
      ["without a deadline", {}],
      ["with a deadline", { timeoutMs: 5_000 }],
    ])("a dispatcher that does not report placement gets the replica but no queued time, %s", async (_, o) => {
      await vi.advanceTimersByTimeAsync(1000);
      const e = await placedCall(o, false, 40, 25);
      expect(e).toMatchObject({ replica: 2, ms: 65 });
      expect(e).not.toHaveProperty("queuedMs");
    });

    it("a call never placed has neither replica nor queued time", async () => {
      const h = harness(async () => "v", {}, { detailed: true, reportsPlacement: true });
      await expect(callWithRetry(h.site, 1, new AbortController().signal)).resolves.toEqual(["v"]);
      const e = h.events.find((x) => x.type === "call.finished")!;
      expect(e).not.toHaveProperty("replica");
      expect(e).not.toHaveProperty("queuedMs");
    });

    it("call.retried carries the failed attempt's error and the delay before the next", async () => {
      vi.spyOn(Math, "random").mockReturnValue(0.5);
      const h = harness(async (req, n) => (n === 1 ? Promise.reject(transient("stream cut")) : req.input), { retries: 1, backoffMs: 10 });
      const r = callWithRetry(h.site, "a", new AbortController().signal);
      await vi.advanceTimersByTimeAsync(10);
      await expect(r).resolves.toEqual(["a"]);
      expect(h.events).toEqual([
        { type: "call.retried", step: "s", callId: expect.any(Number), attempt: 1, error: "stream cut", delayMs: 10, worker: "w", time: expect.any(Number) },
      ]);
    });

    it("publishes no call.started or call.finished when not asked to, deadline or not", async () => {
      const h = harness(async () => "v", { timeoutMs: 500 });
      await expect(callWithRetry(h.site, 1, new AbortController().signal)).resolves.toEqual(["v"]);
      expect(h.events).toEqual([]);
      expect(h.stats).toMatchObject({ callsStarted: 1, callsDone: 1, inFlight: 0 });
    });
  });

  /**
   * A call (3 retries allowed) whose worker stops when its signal aborts, cancelled by the
   * stage while it runs: the call rejects with the stage's reason.
   */
  async function cancelledWhileCalling(detailed: boolean): Promise<Harness> {
    const h = harness(
      (req) => new Promise((_, reject) => req.signal.addEventListener("abort", () => reject(new Error("worker stopped")))),
      { retries: 3 },
      { detailed },
    );
    const ac = new AbortController();
    const r = callWithRetry(h.site, 1, ac.signal);
    await flush();
    const reason = new Error("user cancelled");
    ac.abort(reason);
    await expect(r).rejects.toBe(reason);
    return h;
  }

  describe("cancellation", () => {
    it("does not call at all on a signal already aborted", async () => {
      const h = harness(async () => "v", {}, { detailed: true });
      const ac = new AbortController();
      const reason = new Error("cancelled before");
      ac.abort(reason);
      await expect(callWithRetry(h.site, 1, ac.signal)).rejects.toBe(reason);
      expect(h.requests).toHaveLength(0);
      expect(h.stats).toMatchObject({ callsStarted: 0, callsDone: 0, inFlight: 0 });
      expect(h.events).toEqual([]);
    });

    it("says the run was cancelled when an aborted signal gives no reason", async () => {
      const h = harness(async () => "v");
      const signal = { aborted: true, reason: undefined } as unknown as AbortSignal;
      const err = await callWithRetry(h.site, 1, signal).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunCancelledError);
      expect((err as Error).message).toBe("run cancelled: aborted");
      expect(h.requests).toHaveLength(0);
    });

    it("rethrows the signal's reason, not the call's error, and retries nothing (detailed: call.cancelled)", async () => {
      const h = await cancelledWhileCalling(true);
      const id = (h.events[0] as { callId: number }).callId;
      expect(h.events).toEqual([
        { type: "call.started", step: "s", worker: "w", method: "m", callId: id, attempt: 1, time: expect.any(Number) },
        { type: "call.cancelled", step: "s", callId: id, time: expect.any(Number) },
      ]);
      expect(h.stats).toMatchObject({ callsStarted: 1, callsDone: 0, callsFailed: 0, retries: 0, inFlight: 0 });
    });

    it("publishes no call.cancelled when not detailed, and no retry either", async () => {
      const h = await cancelledWhileCalling(false);
      expect(h.events).toEqual([]);
      expect(h.requests).toHaveLength(1);
      expect(h.stats).toMatchObject({ callsStarted: 1, callsFailed: 0, retries: 0, inFlight: 0 });
    });

    it("with a deadline, passes the stage's abort on to the call's own signal at once", async () => {
      const h = harness(never, { timeoutMs: 10_000 });
      const ac = new AbortController();
      const r = track(callWithRetry(h.site, 1, ac.signal));
      await vi.advanceTimersByTimeAsync(5);
      const req = h.requests[0]!;
      expect(req.signal).not.toBe(ac.signal);
      expect(req.signal.aborted).toBe(false);
      const reason = new Error("stop now");
      ac.abort(reason);
      await flush();
      // the worker here ignores cancellation: the call ends all the same, now
      expect(r.settled()).toBe(true);
      await expect(r.result).rejects.toBe(reason);
      expect(req.signal.aborted).toBe(true);
      expect(req.signal.reason).toBe(reason);
      expect(vi.getTimerCount()).toBe(0);
    });

    it("with a deadline, a stage aborted while the call is being made ends it even if the worker ignores that", async () => {
      const ac = new AbortController();
      const reason = new Error("aborted meanwhile");
      const h = harness(
        () => {
          ac.abort(reason);
          return never();
        },
        { timeoutMs: 50 },
      );
      const r = track(callWithRetry(h.site, 1, ac.signal));
      await vi.advanceTimersByTimeAsync(200);
      expect(r.settled()).toBe(true);
      await expect(r.result).rejects.toBe(reason);
    });
  });

  describe("deadline", () => {
    /**
     * A call with a 50 ms deadline that never answers, placed on `replica` 30 ms after it was
     * made: still pending `pendingMs` later, over 1 ms after that. Its error.
     */
    async function placedAt30(replica: number, pendingMs: number, extra: { reportsPlacement?: boolean } = {}): Promise<{ h: Harness; err: CallFailedError }> {
      let placed: ((r: number) => void) | undefined;
      const h = harness((req) => ((placed = req.placed), never()), { timeoutMs: 50 }, extra);
      const r = track(callWithRetry(h.site, 1, new AbortController().signal));
      await vi.advanceTimersByTimeAsync(30);
      placed!(replica);
      await vi.advanceTimersByTimeAsync(pendingMs);
      expect(r.settled()).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(r.settled()).toBe(true);
      return { h, err: (await r.result.catch((e: unknown) => e)) as CallFailedError };
    }

    it("times out from when the call is made when the dispatcher does not report placement", async () => {
      const { h, err } = await placedAt30(2, 19);
      expect(err).toBeInstanceOf(CallFailedError);
      expect(err.cause).toBeInstanceOf(CallTimeoutError);
      expect((err.cause as Error).message).toBe("timed out after 50 ms");
      expect(err.call.replica).toBe(2);
      expect(err.message).toBe("step `s`: w.m on replica 2, attempt 1/1, input 1: timed out after 50 ms");
      // the call's own signal is aborted with the timeout, so the worker is told
      expect(h.requests[0]!.signal.reason).toBe(err.cause);
      expect(h.requests[0]!.timeoutMs).toBe(50);
    });

    it("a worker's DEADLINE_EXCEEDED read before our own timer fires is the same timeout, with the same message", async () => {
      // the worker was told the deadline and noticed it first (under load its answer can be
      // read before the quarterback's timer runs)
      const workerSaw = (): Error => {
        const remote = Object.assign(new Error("deadline exceeded (50 ms)"), { code: "DEADLINE_EXCEEDED", retryable: true });
        return Object.assign(new Error(remote.message, { cause: remote }), { retryable: true, replica: 3 });
      };
      const h = harness(() => Promise.reject(workerSaw()), { timeoutMs: 50 });
      const err = (await callWithRetry(h.site, 1, new AbortController().signal).catch((e: unknown) => e)) as CallFailedError;
      expect(err.cause).toBeInstanceOf(CallTimeoutError);
      expect(err.message).toBe("step `s`: w.m on replica 3, attempt 1/1, input 1: timed out after 50 ms");
      // a DEADLINE_EXCEEDED from a call without a deadline of ours is the worker's own
      const own = harness(() => Promise.reject(workerSaw()));
      const e2 = (await callWithRetry(own.site, 1, new AbortController().signal).catch((e: unknown) => e)) as CallFailedError;
      expect(e2.message).toMatch(/deadline exceeded \(50 ms\)$/);
    });

    it("times out from placement when the dispatcher reports it", async () => {
      const { err } = await placedAt30(1, 49, { reportsPlacement: true });
      expect((err.cause as Error).message).toBe("timed out after 50 ms");
      expect(err.call.replica).toBe(1);
    });

    it("times out waiting for a free slot when never placed", async () => {
      const h = harness(never, { timeoutMs: 50 }, { reportsPlacement: true });
      const r = track(callWithRetry(h.site, 1, new AbortController().signal));
      await vi.advanceTimersByTimeAsync(50);
      const err = (await r.result.catch((e: unknown) => e)) as CallFailedError;
      expect((err.cause as Error).message).toBe("timed out after 50 ms waiting for a free slot");
      expect(err.call.replica).toBeUndefined();
    });

    it("a placement reported after the call ended arms nothing", async () => {
      let placed: ((r: number) => void) | undefined;
      const h = harness(async (req) => ((placed = req.placed), "v"), { timeoutMs: 50 }, { reportsPlacement: true });
      await expect(callWithRetry(h.site, 1, new AbortController().signal)).resolves.toEqual(["v"]);
      expect(vi.getTimerCount()).toBe(0);
      placed!(0);
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(1000);
      expect(h.requests[0]!.signal.aborted).toBe(false);
    });

    it("a placement reported after the deadline fired changes nothing", async () => {
      let placed: ((r: number) => void) | undefined;
      const h = harness(
        (req) => {
          placed = req.placed;
          req.signal.addEventListener("abort", () => placed!(4));
          return never();
        },
        { timeoutMs: 50 },
        { reportsPlacement: true },
      );
      const r = callWithRetry(h.site, 1, new AbortController().signal).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(50);
      const err = (await r) as CallFailedError;
      expect((err.cause as Error).message).toBe("timed out after 50 ms waiting for a free slot");
      expect(err.call.replica).toBeUndefined();
      expect(vi.getTimerCount()).toBe(0);
    });

    it("without a deadline, a slow call is not cut short", async () => {
      const h = harness(async () => (await new Promise((r) => setTimeout(r, 5000)), "slow"), {}, { detailed: true });
      const r = callWithRetry(h.site, 1, new AbortController().signal);
      await vi.advanceTimersByTimeAsync(5000);
      await expect(r).resolves.toEqual(["slow"]);
    });
  });
});
