/** The stages of a step as the engine wires them: calls (order, parallelism), reduce, gather, last, take, and argument errors. */
import { describe, expect, it } from "vitest";
import { compile } from "../dsl/compile.js";
import { ExpressionError } from "../ir/evaluate.js";
import type { FlowIR, IRExpr, Json } from "../ir/types.js";
import { runEngine } from "./engine.js";
import { StepError } from "./errors.js";
import { fakeDispatcher } from "./fake-held.js";
import { compiled, recorder, sleep } from "./test-flows.js";

const ir = (text: string): FlowIR => compiled(compile(text));

/** Counts calls in flight and keeps the highest count. */
function gauge(): { peak: () => number; run: <T>(ms: number, value: T) => Promise<T> } {
  let now = 0;
  let peak = 0;
  return {
    peak: () => peak,
    run: async (ms, value) => {
      peak = Math.max(peak, ++now);
      await sleep(ms);
      now--;
      return value;
    },
  };
}

describe("runEngine calls", () => {
  it("gives a call's outputs as they finish unless the stage is ordered", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [1, 2, 3] | w.f\n  o = [1, 2, 3] | w.f ordered\n  emit s, o\n}`);
    const r = await runEngine(f, { dispatcher: fakeDispatcher({ f: async (x) => (await sleep(x === 1 ? 60 : 0), x) }) });
    expect(r.result).toEqual({ s: [2, 3, 1], o: [1, 2, 3] });
  });

  it("runs 4 calls per replica of the worker at once by default", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" replicas 3 }\n  s = range(40) | w.f\n  emit s\n}`);
    const g = gauge();
    const r = await runEngine(f, { dispatcher: fakeDispatcher({ f: (x) => g.run(5, x) }) });
    expect(r.result.s).toHaveLength(40);
    expect(g.peak()).toBe(12);
  });

  it("takes the default parallelism from the run's option, and a stage's own `parallel` over both", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" replicas 3 }\n  s = range(20) | w.f\n  emit s\n}`);
    const asked: string[] = [];
    const g = gauge();
    await runEngine(f, { defaultParallel: (w) => (asked.push(w), 2), dispatcher: fakeDispatcher({ f: (x) => g.run(5, x) }) });
    expect(asked).toEqual(["w"]);
    expect(g.peak()).toBe(2);
    const own = ir(`flow t() {\n  worker w { run "x" }\n  s = range(20) | w.f parallel 5\n  emit s\n}`);
    const g2 = gauge();
    await runEngine(own, { defaultParallel: () => 2, dispatcher: fakeDispatcher({ f: (x) => g2.run(5, x) }) });
    expect(g2.peak()).toBe(5);
  });

  it("bounds what a step makes ahead of a stalled reader by the channel capacity", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  a = range(1000) | w.f parallel 1\n  b = a | w.stall parallel 1\n  emit b\n}`);
    const made = async (channelCapacity?: number): Promise<number> => {
      let fCalls = 0;
      let release!: () => void;
      const stalled = new Promise<void>((r) => (release = r));
      const run = runEngine(f, {
        ...(channelCapacity === undefined ? {} : { channelCapacity }),
        dispatcher: fakeDispatcher({ f: (x) => (fCalls++, x), stall: async (x) => (await stalled, x) }),
      });
      await sleep(100);
      const n = fCalls;
      release();
      await run;
      return n;
    };
    const small = await made(4);
    expect(small).toBeGreaterThanOrEqual(4);
    expect(small).toBeLessThan(12);
    // the default is 64: the same few items in the stages, and 60 more in the channel
    const usual = await made();
    expect(usual - small).toBe(60);
  });
});

describe("runEngine reshaping stages", () => {
  it("`last` keeps the last item, and nothing of an empty input", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [1, 2, 3] | w.f ordered | last\n  e = range(0) | last\n  emit s, e\n}`);
    const r = await runEngine(f, { dispatcher: fakeDispatcher({ f: (x) => 10 * x }) });
    expect(r.result).toEqual({ s: [30], e: [] });
  });

  it("`gather` makes one list of every item", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  g = [1, 2, 3] | w.f ordered | gather\n  emit g\n}`);
    const r = await runEngine(f, { dispatcher: fakeDispatcher({ f: (x) => 10 * x }) });
    expect(r.result.g).toEqual([[10, 20, 30]]);
  });

  it("`take` stops after its count, `flatten` opens lists", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [[1, 2], 3, [4]] | flatten | take 3\n  emit s\n}`);
    const r = await runEngine(f, { dispatcher: fakeDispatcher({}) });
    expect(r.result.s).toEqual([1, 2, 3]);
  });
});

describe("runEngine reduce", () => {
  it("reduces with the worker's default parallelism when the stage gives none", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = range(10) | reduce w.add\n  emit s\n}`);
    const d = fakeDispatcher({ add: ({ left, right }) => left + right });
    const r = await runEngine(f, { dispatcher: d });
    expect(r.result.s).toEqual([45]);
    expect(d.calls).toHaveLength(9);
    expect(r.stats[0]).toMatchObject({ callsDone: 9, emitted: 1, state: "done" });
  });

  it("keeps at most `parallel` combinations in flight", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" replicas 4 }\n  s = range(32) | reduce w.add parallel 2\n  emit s\n}`);
    const g = gauge();
    const r = await runEngine(f, { dispatcher: fakeDispatcher({ add: ({ left, right }) => g.run(5, left + right) }) });
    expect(r.result.s).toEqual([496]);
    expect(g.peak()).toBe(2);
  });

  it("fails a reduce whose combination failed under `on error skip`: it has nothing to go on with", async () => {
    // the compiler refuses `on error` on reduce; an IR from elsewhere may have it
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = range(4) | reduce w.add\n  emit s\n}`);
    const stage = f.steps[0]!.stages[0]!;
    if (stage.kind !== "reduce") throw new Error("expected a reduce");
    stage.options.onError = "skip";
    const d = fakeDispatcher({
      add: () => {
        throw Object.assign(new Error("overflow"), { retryable: false });
      },
    });
    const err = await runEngine(f, { dispatcher: d }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect((err as Error).message).toBe("step `s`: reduce cannot skip a failed combination");
  });
});

describe("runEngine argument errors", () => {
  it("names the step, the call, its line and the item, keeping the expression's error as the cause", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [{a: 1}, {b: 2}] | w.f ordered | w.g(x: item.a)\n  emit s\n}`);
    const err = await runEngine(f, { dispatcher: fakeDispatcher({ f: (x) => x, g: (x) => x }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).step).toBe("s");
    expect((err as Error).message).toBe('step `s`: no field `a` (fields: b) in the arguments of w.g (line 3), item {"b":2}');
    expect((err as Error).cause).toBeInstanceOf(ExpressionError);
    expect(((err as Error).cause as Error).message).toBe("no field `a` (fields: b)");
  });

  it("skips an item its arguments cannot be built from when the stage says `on error skip`, reporting it as a failed call", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [{a: 1}, {b: 2}, {a: 3}] | w.g(x: item.a) ordered on error skip\n  emit s\n}`);
    const { events, seen } = recorder();
    const r = await runEngine(f, { dispatcher: fakeDispatcher({ g: (x) => (x as { x: number }).x * 10 }), events });
    expect(r.result).toEqual({ s: [10, 30] });
    const failed = seen.filter((e) => e.type === "call.failed");
    expect(failed).toEqual([
      expect.objectContaining({
        step: "s",
        attempt: 0,
        skipped: true,
        input: '{"b":2}',
        error: 'step `s`: no field `a` (fields: b) in the arguments of w.g (line 3), item {"b":2}',
      }),
    ]);
    expect(r.stats.find((st) => st.step === "s")).toMatchObject({ callsStarted: 2, callsDone: 2, callsFailed: 1 });
  });

  it("passes on an error that is not the expression's own as it is", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [1] | w.f(x: -item)\n  emit s\n}`);
    // an expression nested deeper than the stack goes (no compiled flow has one)
    let deep: IRExpr = { kind: "item" };
    for (let i = 0; i < 200_000; i++) deep = { kind: "neg", of: deep };
    const stage = f.steps[0]!.stages[0]!;
    if (stage.kind !== "call") throw new Error("expected a call");
    stage.input = deep;
    const err = await runEngine(f, { dispatcher: fakeDispatcher({ f: (x: Json) => x }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect(err).not.toBeInstanceOf(StepError);
  });
});
