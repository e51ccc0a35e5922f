/** How a run stops: the first failure wins, and the caller's signal cancels it (before or during the run). */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { compile } from "../dsl/compile.js";
import type { FlowIR, Json } from "../ir/types.js";
import { runEngine } from "./engine.js";
import { CallFailedError, RunCancelledError } from "./errors.js";
import type { RunEvent } from "./events.js";
import { fakeDispatcher } from "./fake-held.js";
import { compiled, recorder, scale, sleep, within } from "./test-flows.js";

const ir = (text: string): FlowIR => compiled(compile(text));

const runEnds = (seen: RunEvent[]): RunEvent[] => seen.filter((e) => e.type === "run.finished" || e.type === "run.failed" || e.type === "run.cancelled");

/** Pond rows that come slowly and take no notice of the run's signal. */
async function* slowRows(): AsyncGenerator<Json> {
  for (let i = 0; i < 200; i++) {
    yield i;
    await sleep(10);
  }
}
const SLOW_SOURCE = `flow t() {\n  rows = pond("SELECT i FROM t")\n  emit rows\n}`;

describe("runEngine cancellation", () => {
  it("fails with the first failure, not with what other steps throw while they stop", async () => {
    const f = ir(`flow t() {
  worker w { run "x" }
  xs = range(10) | w.f
  bad = [1] | w.fail
  into land("out/xs.jsonl") xs
  emit bad
}`);
    const { events, seen } = recorder();
    const d = fakeDispatcher({
      f: (_x, req) => new Promise((_resolve, reject) => req.signal.addEventListener("abort", () => reject(req.signal.reason))),
      fail: async () => {
        await sleep(10);
        throw Object.assign(new Error("first"), { retryable: false });
      },
    });
    const err = await runEngine(f, {
      events,
      dispatcher: d,
      // a writer that, once stopped, fails with an error of its own a little later
      writeLand: async (_path, items) => {
        try {
          for await (const _ of items);
        } catch {
          await sleep(20);
          throw new Error("land writer gave up");
        }
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallFailedError);
    expect((err as Error).message).toBe("step `bad`: w.fail, attempt 1/1, input 1: first");
    expect(runEnds(seen)).toEqual([
      { type: "run.failed", runId: "run", error: (err as Error).message, elapsedMs: expect.any(Number), time: expect.any(Number) },
    ]);
  });

  it("starts no held call in a run whose signal was aborted before it began", async () => {
    const f = ir(`flow t() {
  worker w { run "x" }
  xs = [1, 2]
  h = xs | w.scale(f: item) hold
  back = h | take 0
  h <- back as "s"
  emit h
}`);
    const ac = new AbortController();
    const reason = new RunCancelledError("interrupted");
    ac.abort(reason);
    const { events, seen } = recorder();
    const d = fakeDispatcher({}, { scale });
    const err = await within(1_000, runEngine(f, { events, signal: ac.signal, dispatcher: d })).catch((e: unknown) => e);
    expect(err).toBe(reason);
    expect(d.held).toHaveLength(0);
    expect(seen.filter((e) => e.type === "step.failed")).toEqual([]);
    expect(runEnds(seen)).toEqual([
      { type: "run.cancelled", runId: "run", reason: "run cancelled: interrupted", elapsedMs: expect.any(Number), time: expect.any(Number) },
    ]);
  });

  it("sends no call in a plain run whose signal was aborted before it began", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [1, 2, 3] | w.f\n  emit s\n}`);
    const ac = new AbortController();
    const reason = new RunCancelledError("interrupted");
    ac.abort(reason);
    const { events, seen } = recorder();
    let calls = 0;
    const d = fakeDispatcher({ f: async (x) => (calls++, x) });
    const err = await within(1_000, runEngine(f, { events, signal: ac.signal, dispatcher: d })).catch((e: unknown) => e);
    expect(err).toBe(reason);
    expect(calls).toBe(0);
    expect(runEnds(seen).map((e) => e.type)).toEqual(["run.cancelled"]);
  });

  it("stops steps that do not watch the signal themselves when the caller cancels", async () => {
    const ac = new AbortController();
    const { events, seen } = recorder();
    const t0 = Date.now();
    setTimeout(() => ac.abort(new RunCancelledError("interrupted")), 30);
    const err = await within(1_000, runEngine(ir(SLOW_SOURCE), { events, signal: ac.signal, dispatcher: fakeDispatcher({}), pondRows: slowRows })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RunCancelledError);
    expect((err as Error).message).toBe("run cancelled: interrupted");
    expect(Date.now() - t0).toBeLessThan(500);
    expect(runEnds(seen)).toEqual([
      { type: "run.cancelled", runId: "run", reason: "run cancelled: interrupted", elapsedMs: expect.any(Number), time: expect.any(Number) },
    ]);
  });

  it("cancels with a RunCancelledError when the caller aborts without a reason", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(null), 30);
    const err = await within(1_000, runEngine(ir(SLOW_SOURCE), { signal: ac.signal, dispatcher: fakeDispatcher({}), pondRows: slowRows })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RunCancelledError);
    expect((err as Error).message).toBe("run cancelled: cancelled");
  });

  it("leaves no listener on the caller's signal once the run is over", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [1, 2, 3] | w.f\n  emit s\n}`);
    const ac = new AbortController();
    await runEngine(f, { signal: ac.signal, dispatcher: fakeDispatcher({ f: (x) => x }) });
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
    await expect(runEngine(f, { signal: ac.signal, dispatcher: fakeDispatcher({}) })).rejects.toThrow("unknown method f");
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
    // a later abort of the long-lived signal does nothing to a finished run
    ac.abort(new RunCancelledError("too late"));
  });
});
