/** The engine's run and step events, and the live step stats it hands out. */
import { describe, expect, it } from "vitest";
import { compile } from "../dsl/compile.js";
import type { FlowIR, Json } from "../ir/types.js";
import { runEngine } from "./engine.js";
import type { RunEvent, StepStats } from "./events.js";
import { fakeDispatcher, type FakeHeldCtx } from "./fake-held.js";
import { compiled, recorder, sleep } from "./test-flows.js";

const ir = (text: string): FlowIR => compiled(compile(text));

/** The run and step events (not the calls'). */
const lifecycle = (seen: RunEvent[]): RunEvent[] => seen.filter((e) => e.type.startsWith("run.") || e.type.startsWith("step."));

const TWO_STEPS = `flow ev() {
  worker w { run "x" }
  xs = [1, 2, 3]
  sq = xs | w.sq(v: item) ordered
  emit sq
}`;

describe("runEngine events", () => {
  it("publishes run.started, each step's started and finished, and run.finished with the result and the calls", async () => {
    const { events, seen } = recorder();
    const r = await runEngine(ir(TWO_STEPS), { events, runId: "r-1", dispatcher: fakeDispatcher({ sq: ({ v }) => v * v }) });
    expect(r.result).toEqual({ sq: [1, 4, 9] });
    const life = lifecycle(seen);
    expect(life[0]).toEqual({ type: "run.started", runId: "r-1", flow: "ev", steps: ["xs", "sq"], time: expect.any(Number) });
    expect(life.at(-1)).toEqual({
      type: "run.finished",
      runId: "r-1",
      result: { sq: [1, 4, 9] },
      elapsedMs: r.elapsedMs,
      calls: { done: 3, reused: 0, failed: 0 },
      time: expect.any(Number),
    });
    const steps = life.slice(1, -1);
    const byStep = (step: string): RunEvent[] => steps.filter((e) => (e as { step?: string }).step === step);
    for (const [step, items] of [
      ["xs", 3],
      ["sq", 3],
    ] as const) {
      const st = r.stats.find((s) => s.step === step)!;
      expect(byStep(step)).toEqual([
        { type: "step.started", step, time: st.startedAt },
        { type: "step.finished", step, items, time: st.finishedAt },
      ]);
    }
    expect(steps).toHaveLength(4);
  });

  it("names the run `run` when no runId is given", async () => {
    const { events, seen } = recorder();
    await runEngine(ir(TWO_STEPS), { events, dispatcher: fakeDispatcher({ sq: ({ v }) => v }) });
    const life = lifecycle(seen);
    expect(life[0]).toMatchObject({ type: "run.started", runId: "run" });
    expect(life.at(-1)).toMatchObject({ type: "run.finished", runId: "run" });
  });

  it("counts reused calls in the step stats and in run.finished", async () => {
    const { events, seen } = recorder();
    const d = fakeDispatcher({
      sq: ({ v }, req) => {
        // the dispatcher answered the odd ones from a journal
        if (v % 2 === 1) req.reused?.();
        return v * v;
      },
    });
    const r = await runEngine(ir(TWO_STEPS), { events, dispatcher: d });
    expect(r.stats.find((s) => s.step === "sq")).toMatchObject({ callsStarted: 3, callsDone: 3, callsReused: 2, callsFailed: 0 });
    expect(seen.at(-1)).toMatchObject({ type: "run.finished", calls: { done: 3, reused: 2, failed: 0 } });
  });

  it("measures elapsedMs from the start of the run", async () => {
    const before = performance.now();
    const r = await runEngine(ir(TWO_STEPS), { dispatcher: fakeDispatcher({ sq: async ({ v }) => (await sleep(30), v) }) });
    const took = performance.now() - before;
    expect(r.elapsedMs).toBeGreaterThanOrEqual(25);
    expect(r.elapsedMs).toBeLessThanOrEqual(took);
  });

  it("gives onStats every step's live counters at the start, waiting, and they are the stats returned", async () => {
    let given: StepStats[] | undefined;
    let atStart: string[] = [];
    const during: string[] = [];
    const t0 = Date.now();
    const r = await runEngine(ir(TWO_STEPS), {
      onStats: (stats) => {
        given = stats;
        atStart = stats.map((s) => `${s.step} ${s.state} ${s.emitted} ${s.callsStarted}`);
      },
      dispatcher: fakeDispatcher({
        sq: ({ v }) => {
          const sq = given!.find((s) => s.step === "sq")!;
          during.push(`${sq.state} ${sq.inFlight}`);
          return v;
        },
      }),
    });
    expect(atStart).toEqual(["xs waiting 0 0", "sq waiting 0 0"]);
    expect(during).toHaveLength(3);
    for (const d of during) expect(d).toMatch(/^running [1-3]$/);
    // live: the very objects the run counted in
    expect(given).toHaveLength(2);
    given!.forEach((s, i) => expect(s).toBe(r.stats[i]));
    for (const s of r.stats) {
      expect(s).toMatchObject({ state: "done", emitted: 3, inFlight: 0 });
      expect(s.startedAt).toBeGreaterThanOrEqual(t0);
      expect(s.finishedAt).toBeGreaterThanOrEqual(s.startedAt!);
      expect(s.finishedAt).toBeLessThanOrEqual(Date.now());
      expect(s.held).toBeUndefined();
    }
    expect(r.stats.find((s) => s.step === "sq")).toMatchObject({ callsStarted: 3, callsDone: 3, callsFailed: 0, callsReused: 0, retries: 0 });
  });

  it("reports the failed step as failed and the one it stopped as cancelled, in events and stats", async () => {
    const { events, seen } = recorder();
    const f = ir(`flow t() {
  worker w { run "x" }
  a = range(100) | w.slow parallel 4
  bad = [1] | w.fail
  emit a, bad
}`);
    let stats: StepStats[] = [];
    const d = fakeDispatcher({
      slow: (x, req) => new Promise((resolve, reject) => req.signal.addEventListener("abort", () => reject(req.signal.reason))),
      fail: async () => {
        await sleep(20);
        throw Object.assign(new Error("boom"), { retryable: false });
      },
    });
    const err = (await runEngine(f, { events, dispatcher: d, runId: "r-2", onStats: (s) => (stats = s) }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe("step `bad`: w.fail, attempt 1/1, input 1: boom");
    const life = lifecycle(seen);
    expect(life.filter((e) => e.type === "step.failed")).toEqual([{ type: "step.failed", step: "bad", error: err.message, time: stats[1]!.finishedAt }]);
    expect(life.filter((e) => e.type === "step.cancelled")).toEqual([{ type: "step.cancelled", step: "a", time: stats[0]!.finishedAt }]);
    expect(life.at(-1)).toEqual({ type: "run.failed", runId: "r-2", error: err.message, elapsedMs: expect.any(Number), time: expect.any(Number) });
    expect(life.filter((e) => e.type.startsWith("run."))).toHaveLength(2);
    expect(stats.map((s) => `${s.step} ${s.state}`)).toEqual(["a cancelled", "bad failed"]);
    expect(stats[1]).toMatchObject({ callsStarted: 1, callsDone: 0, callsFailed: 1 });
    expect(stats[0]!.finishedAt).toBeGreaterThanOrEqual(stats[0]!.startedAt!);
  });

  it("runs a step nobody reads for its effects and counts what it made", async () => {
    const { events, seen } = recorder();
    const f = ir(`flow t() {\n  worker w { run "x" }\n  a = [1, 2, 3] | w.f\n  b = [1] | w.f\n  emit b\n}`);
    const d = fakeDispatcher({ f: (x) => x });
    const r = await runEngine(f, { events, dispatcher: d });
    expect(r.result).toEqual({ b: [1] });
    expect(d.calls).toHaveLength(4);
    expect(r.stats.find((s) => s.step === "a")).toMatchObject({ state: "done", emitted: 3, callsDone: 3 });
    expect(seen).toContainEqual({ type: "step.finished", step: "a", items: 3, time: expect.any(Number) });
  });

  it("counts the items of an unread held step, not its round marks", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  h = [1, 2] | w.once(f: item) hold\n  b = [1] | w.f\n  emit b\n}`);
    const once = async function* ({ f: v }: { f: number }, _ctx: FakeHeldCtx): AsyncGenerator<Json, Json> {
      yield v * 10;
      return v;
    };
    const d = fakeDispatcher({ f: (x) => x }, { once });
    const r = await runEngine(f, { dispatcher: d });
    expect(r.stats.find((s) => s.step === "h")).toMatchObject({ state: "done", emitted: 2, callsDone: 2 });
    // only a held step has held stats
    expect(r.stats.find((s) => s.step === "h")!.held).toMatchObject({ live: 0 });
    expect(r.stats.find((s) => s.step === "b")!.held).toBeUndefined();
  });
});
