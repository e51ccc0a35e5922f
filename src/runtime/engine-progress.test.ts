/** Calls' progress reports: the step's `progress` counter, and call.progress events, coalesced. */
import { describe, expect, it } from "vitest";
import { compile } from "../dsl/compile.js";
import type { FlowIR, Json } from "../ir/types.js";
import type { CallRequest } from "./dispatcher.js";
import { runEngine } from "./engine.js";
import { RunEvents, type RunEvent, type StepStats } from "./events.js";
import { fakeDispatcher, type FakeHeldCtx } from "./fake-held.js";
import { CallProgress, PROGRESS_EVENT_MS, ProgressEvents } from "./progress-events.js";
import { compiled, recorder, sleep, within } from "./test-flows.js";

const ir = (text: string): FlowIR => compiled(compile(text));

const SLOW = `flow p() {
  worker w { run "x" }
  xs = [1, 2, 3]
  slow = xs | w.slow(v: item)
  emit slow
}`;

/** A method whose calls wait until released, each holding on to its request to report progress. */
function held(): { calls: Map<number, CallRequest>; release(v: number): void; method: (input: { v: number }, req: CallRequest) => Promise<Json> } {
  const calls = new Map<number, CallRequest>();
  const releases = new Map<number, () => void>();
  return {
    calls,
    release: (v) => releases.get(v)!(),
    method: ({ v }, req) =>
      new Promise<Json>((resolve) => {
        calls.set(v, req);
        releases.set(v, () => resolve(v));
      }),
  };
}

const progressEvents = (seen: RunEvent[]): Array<Extract<RunEvent, { type: "call.progress" }>> =>
  seen.filter((e): e is Extract<RunEvent, { type: "call.progress" }> => e.type === "call.progress");

async function until(cond: () => boolean): Promise<void> {
  await within(
    5_000,
    (async () => {
      while (!cond()) await sleep(2);
    })(),
  );
}

describe("call progress", () => {
  it("sums the last fraction of each call in flight into the step's progress; a call's share leaves when it ends", async () => {
    const h = held();
    let live: StepStats[] = [];
    const { events } = recorder(false);
    const run = runEngine(ir(SLOW), { events, dispatcher: fakeDispatcher({ slow: h.method }), onStats: (s) => (live = s) });
    await until(() => h.calls.size === 3);
    const slow = (): StepStats => live.find((s) => s.step === "slow")!;
    h.calls.get(1)!.progress!(0.25, "a quarter");
    h.calls.get(1)!.progress!(0.5, "half");
    h.calls.get(2)!.progress!(0.25, "");
    expect(slow().progress).toBe(0.75);
    // unknown (-1) or out of range: the message only, the share stays
    h.calls.get(2)!.progress!(-1, "still going");
    h.calls.get(3)!.progress!(1.5, "too far");
    h.calls.get(3)!.progress!(Number.NaN, "not a number");
    expect(slow().progress).toBe(0.75);
    h.release(1);
    await until(() => slow().callsDone === 1);
    expect(slow().progress).toBe(0.25);
    // a report after the call ended does not count
    h.calls.get(1)!.progress!(0.9, "late");
    expect(slow().progress).toBe(0.25);
    h.calls.get(3)!.progress!(1, "done soon");
    expect(slow().progress).toBe(1.25);
    h.release(2);
    h.release(3);
    await run;
    expect(slow()).toMatchObject({ callsDone: 3, inFlight: 0, progress: 0 });
  });

  it("takes a failed attempt's share away, and counts the retry's own", async () => {
    let live: StepStats[] = [];
    let attempt1: CallRequest | undefined;
    let retry: CallRequest | undefined;
    let finish: (() => void) | undefined;
    const dispatcher = fakeDispatcher({
      slow: async (_input: unknown, req: CallRequest) => {
        if (req.attempt === 1) {
          attempt1 = req;
          req.progress!(0.75, "");
          throw new Error("boom");
        }
        retry = req;
        req.progress!(0.1, "");
        await new Promise<void>((r) => (finish = r));
        return 1;
      },
    });
    const flow = ir(`flow p() {\n  worker w { run "x" }\n  slow = [1] | w.slow retry 1 backoff 1ms\n  emit slow\n}`);
    const run = runEngine(flow, { dispatcher, onStats: (s) => (live = s) });
    await until(() => finish !== undefined);
    expect(live.find((s) => s.step === "slow")!.progress).toBeCloseTo(0.1);
    attempt1!.progress!(0.9, "a dead attempt's late report");
    expect(live.find((s) => s.step === "slow")!.progress).toBeCloseTo(0.1);
    expect(retry!.attempt).toBe(2);
    finish!();
    await run;
    expect(live.find((s) => s.step === "slow")!.progress).toBe(0);
  });

  it("publishes call.progress with the step, the call id, the last fraction and message", async () => {
    const h = held();
    const { events, seen } = recorder(true);
    const run = runEngine(ir(SLOW), { events, dispatcher: fakeDispatcher({ slow: h.method }) });
    await until(() => h.calls.size === 3);
    const started = new Map(seen.flatMap((e) => (e.type === "call.started" ? [[e.callId, e] as const] : [])).map(([id, e]) => [id, e.step] as const));
    h.calls.get(1)!.progress!(-1, "warming up");
    h.calls.get(2)!.progress!(0.5, "half");
    const [first, second] = progressEvents(seen);
    // a message without a fraction: fraction null
    expect(first).toEqual({ type: "call.progress", step: "slow", callId: expect.any(Number), fraction: null, message: "warming up", time: expect.any(Number) });
    expect(second).toMatchObject({ step: "slow", fraction: 0.5, message: "half" });
    expect(started.get(first!.callId)).toBe("slow");
    expect(second!.callId).not.toBe(first!.callId);
    for (const v of [1, 2, 3]) h.release(v);
    await run;
  });

  it("coalesces a call's reports into one event per PROGRESS_EVENT_MS, the latest winning, and none after the call ended", async () => {
    const h = held();
    const { events, seen } = recorder(true);
    const run = runEngine(ir(SLOW), { events, dispatcher: fakeDispatcher({ slow: h.method }) });
    await until(() => h.calls.size === 3);
    const one = h.calls.get(1)!;
    const t0 = performance.now();
    // the first report goes out at once
    one.progress!(0.1, "r1");
    expect(progressEvents(seen).map((e) => e.fraction)).toEqual([0.1]);
    for (let i = 2; i <= 50; i++) one.progress!(i / 100, `r${i}`);
    // the rest wait for the timer
    expect(progressEvents(seen)).toHaveLength(1);
    await until(() => progressEvents(seen).length === 2);
    const late = progressEvents(seen)[1]!;
    expect(late).toMatchObject({ fraction: 0.5, message: "r50" });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(PROGRESS_EVENT_MS - 5);
    // nothing more came in: nothing more goes out
    await sleep(PROGRESS_EVENT_MS + 50);
    expect(progressEvents(seen)).toHaveLength(2);
    // a report waiting for the timer when its call ends is dropped
    one.progress!(0.6, "r60");
    one.progress!(0.7, "r70");
    expect(progressEvents(seen).at(-1)).toMatchObject({ fraction: 0.6 });
    one.progress!(0.8, "r80");
    h.release(1);
    await until(() => seen.some((e) => e.type === "call.finished"));
    await sleep(PROGRESS_EVENT_MS + 50);
    expect(progressEvents(seen).map((e) => e.message)).toEqual(["r1", "r50", "r60"]);
    h.release(2);
    h.release(3);
    await run;
  });

  it("keeps each call's window apart: one call's reports do not hold back another's", async () => {
    const h = held();
    const { events, seen } = recorder(true);
    const run = runEngine(ir(SLOW), { events, dispatcher: fakeDispatcher({ slow: h.method }) });
    await until(() => h.calls.size === 3);
    h.calls.get(1)!.progress!(0.1, "");
    h.calls.get(2)!.progress!(0.2, "");
    h.calls.get(3)!.progress!(0.3, "");
    expect(progressEvents(seen).map((e) => e.fraction)).toEqual([0.1, 0.2, 0.3]);
    for (const v of [1, 2, 3]) h.release(v);
    await run;
  });

  it("publishes no call.progress without per-call events, but still counts the progress", async () => {
    const h = held();
    let live: StepStats[] = [];
    const { events, seen } = recorder(false);
    const run = runEngine(ir(SLOW), { events, dispatcher: fakeDispatcher({ slow: h.method }), onStats: (s) => (live = s) });
    await until(() => h.calls.size === 3);
    h.calls.get(1)!.progress!(0.5, "half");
    expect(live.find((s) => s.step === "slow")!.progress).toBe(0.5);
    await sleep(PROGRESS_EVENT_MS + 50);
    expect(progressEvents(seen)).toEqual([]);
    for (const v of [1, 2, 3]) h.release(v);
    await run;
  });

  it("counts a held call's progress while it lives, and publishes it under the call's index", async () => {
    let live: StepStats[] = [];
    const { events, seen } = recorder(true);
    let go: (() => void) | undefined;
    const gate = new Promise<void>((r) => (go = r));
    const dispatcher = fakeDispatcher(
      {},
      {
        gen: async function* ({ v }: { v: number }, ctx: FakeHeldCtx): AsyncGenerator<Json, Json> {
          ctx.progress(v / 4, `held ${v}`);
          yield v;
          await gate;
          return v;
        },
      },
    );
    const run = runEngine(ir(`flow p() {\n  worker w { run "x" }\n  h = [1, 2] | w.gen(v: item) hold\n  emit h\n}`), {
      events,
      dispatcher,
      onStats: (s) => (live = s),
    });
    await until(() => progressEvents(seen).length === 2);
    expect(live.find((s) => s.step === "h")!.progress).toBe(0.75);
    expect(
      progressEvents(seen)
        .map((e) => [e.callId, e.fraction, e.message])
        .sort(),
    ).toEqual([
      [0, 0.25, "held 1"],
      [1, 0.5, "held 2"],
    ]);
    go!();
    await run;
    expect(live.find((s) => s.step === "h")!.progress).toBe(0);
  });

  it("publishes nothing after the run ended: its timer is cleared", async () => {
    const seen: RunEvent[] = [];
    const runEvents = new RunEvents(true);
    runEvents.on("event", (e) => seen.push(e));
    const progress = new ProgressEvents(runEvents, 50);
    const stats = { progress: 0, inFlight: 1 } as StepStats;
    const call = new CallProgress(progress, "s", 7, stats);
    call.report(0.1, "");
    call.report(0.2, "");
    expect(seen).toHaveLength(1);
    progress.stop();
    await sleep(120);
    expect(seen).toHaveLength(1);
    // and a report after the stop neither
    call.report(0.3, "");
    expect(seen).toHaveLength(1);
    expect(stats.progress).toBe(0.3);
  });
});

describe("what call events say about where the time went and where a call failed", () => {
  it("gives call.finished the worker's own time when the dispatcher is told it", async () => {
    const { events, seen } = recorder(true);
    const dispatcher = fakeDispatcher({
      f: async ({ v }: { v: number }, req: CallRequest) => {
        if (v === 1) req.ran?.(4.5);
        await sleep(10);
        return v;
      },
    });
    await runEngine(ir(`flow p() {\n  worker w { run "x" }\n  s = [1, 2] | w.f(v: item) ordered\n  emit s\n}`), { events, dispatcher });
    const finished = seen.filter((e) => e.type === "call.finished");
    expect(finished).toHaveLength(2);
    expect(finished.find((e) => "workerMs" in e)).toMatchObject({ workerMs: 4.5 });
    // a worker that does not say: no workerMs
    expect(finished.filter((e) => !("workerMs" in e))).toHaveLength(1);
  });

  it("names the worker and the replica in call.retried and call.failed", async () => {
    const { events, seen } = recorder(true);
    const dispatcher = fakeDispatcher({
      f: async (_input: unknown, req: CallRequest) => {
        throw Object.assign(new Error(`attempt ${req.attempt} failed`), { replica: req.attempt - 1 });
      },
    });
    const run = runEngine(ir(`flow p() {\n  worker w { run "x" replicas 2 }\n  s = [1] | w.f retry 1 backoff 1ms\n  emit s\n}`), { events, dispatcher });
    await expect(run).rejects.toThrow(/attempt 2 failed/);
    expect(seen.find((e) => e.type === "call.retried")).toMatchObject({ worker: "w", replica: 0 });
    expect(seen.find((e) => e.type === "call.failed")).toMatchObject({ worker: "w", replica: 1 });
    // the engine does no I/O: the log offset is the run's to add
    expect(seen.find((e) => e.type === "call.failed")).not.toHaveProperty("logOffset");
  });

  it("lets the run annotate an event before any listener sees it", () => {
    const events = new RunEvents(true);
    const seen: RunEvent[] = [];
    events.on("event", (e) => seen.push(e));
    events.annotate = (e) => (e.type === "log" ? { ...e, message: `${e.message}!` } : e);
    events.publish({ type: "log", level: "info", message: "hi", time: 1 });
    expect(seen).toEqual([{ type: "log", level: "info", message: "hi!", time: 1 }]);
  });
});
