/** Held steps as the engine wires them: rounds through a step's stages, and what keeps a loop open until it is truly idle. */
import { describe, expect, it } from "vitest";
import { compile } from "../dsl/compile.js";
import type { FlowIR, Json } from "../ir/types.js";
import { runEngine } from "./engine.js";
import { fakeDispatcher, type FakeHeldCtx } from "./fake-held.js";
import { compiled, loopFlow, scale, sleep, within } from "./test-flows.js";

const ir = (text: string): FlowIR => compiled(compile(text));

/** A loop signalled once, by `start`: `back` takes nothing from the held step `h` (`xs | ` and then this). */
const signalledOnce = (h: string): string => `flow loop() {
  worker w { run "x" }
  start = [1]
  xs    = [1, 2]
  h     = xs | ${h}
  back  = h | take 0
  sig   = merge(start, back)
  h <- sig as "s"
  emit h
}`;
/** The next signal, the round's sum, until `stop` rounds were made. */
function stopAfter(): ({ lists, stop }: { lists: number[]; stop: number }) => Json {
  let rounds = 0;
  return ({ lists, stop }) => (++rounds >= stop ? [] : [lists.reduce((a, b) => a + b, 0)]);
}
const sorted = (lists: Json[] | undefined): number[][] => (lists as number[][]).map((l) => [...l].sort((a, b) => a - b));

describe("runEngine rounds within a held step", () => {
  it("gives the stages after a held call plain values, one call per item and none for the round marks", async () => {
    const f = ir(loopFlow({ h: "w.scale(f: item) hold | w.pair(v: item) | flatten | w.ident(v: item)" }));
    const inputs: Record<string, Json[]> = { pair: [], ident: [] };
    const d = fakeDispatcher(
      {
        pair: ({ v }) => (inputs.pair!.push(v), [v, 10 * v]),
        ident: ({ v }) => (inputs.ident!.push(v), v),
        next: stopAfter(),
      },
      { scale },
    );
    const r = await within(5_000, runEngine(f, { dispatcher: d }));
    // signal 1 → 1, 2, 3 (and ×10); sum 66 → 66, 132, 198 (and ×10); sum 4356 → ...
    expect(sorted(r.result.per)).toEqual([
      [1, 2, 3, 10, 20, 30],
      [66, 132, 198, 660, 1320, 1980],
      [4356, 8712, 13068, 43560, 87120, 130680],
    ]);
    expect([...inputs.pair!].sort((a, b) => (a as number) - (b as number))).toEqual([1, 2, 3, 66, 132, 198, 4356, 8712, 13068]);
    expect(inputs.ident).toHaveLength(18);
    for (const v of inputs.ident!) expect(typeof v).toBe("number");
    expect(r.stats.find((s) => s.step === "h")).toMatchObject({ emitted: 18, state: "done" });
  });

  it("a stage after `gather by round` in the held step sees plain lists again", async () => {
    const f = ir(signalledOnce("w.scale(f: item) hold | gather by round | flatten"));
    const r = await within(5_000, runEngine(f, { dispatcher: fakeDispatcher({}, { scale }) }));
    expect(r.result.h).toEqual([1, 2]);
  });

  it("ends a loop whose held calls block only after every other piece of work is over", async () => {
    const f = ir(signalledOnce("w.late(f: item) hold"));
    // takes its time before each yield: it asks for the next signal well after the source ended
    const late = async function* ({ f: v }: { f: number }, ctx: FakeHeldCtx): AsyncGenerator<Json, Json> {
      for await (const s of ctx.signals("s")) {
        await sleep(30);
        yield v * (s as number);
      }
      return v;
    };
    const r = await within(2_000, runEngine(f, { dispatcher: fakeDispatcher({}, { late }) }));
    expect([...(r.result.h as number[])].sort()).toEqual([1, 2]);
  });

  it("reduces the items of a held step with the combination's own inputs", async () => {
    const f = ir(loopFlow({ more: "  total = h | reduce w.add\n", emit: "per, total" }));
    const d = fakeDispatcher({ next: stopAfter(), add: ({ left, right }) => left + right }, { scale });
    const r = await within(5_000, runEngine(f, { dispatcher: d }));
    expect(r.result.total).toEqual([6 + 36 + 216]);
    // held stats belong to the held step alone
    expect(r.stats.filter((s) => s.held !== undefined).map((s) => s.step)).toEqual(["h"]);
  });

  it("drops the values of a signal sent to a step without a held call (an IR not from the compiler)", async () => {
    const f = ir(loopFlow());
    f.signals.push({ ...f.signals[0]!, step: "per" });
    const r = await within(5_000, runEngine(f, { dispatcher: fakeDispatcher({ next: stopAfter() }, { scale }) }));
    expect(r.result.per).toEqual([
      [1, 2, 3],
      [6, 12, 18],
      [36, 72, 108],
    ]);
  });
});

describe("runEngine loop quiescence", () => {
  it("keeps a loop open while a signal waits in a channel behind a slow reader", async () => {
    const f = ir(loopFlow({ more: '  into land("out/sig.jsonl") sig\n' }));
    const written: Json[] = [];
    const r = await within(
      5_000,
      runEngine(f, {
        channelCapacity: 1,
        dispatcher: fakeDispatcher({ next: stopAfter() }, { scale }),
        // the land's reader starts late: the sends to it wait, and the signals behind them
        writeLand: async (_path, items) => {
          await sleep(150);
          for await (const v of items) written.push(v);
        },
      }),
    );
    expect(r.result.per).toEqual([
      [1, 2, 3],
      [6, 12, 18],
      [36, 72, 108],
    ]);
    expect(written).toEqual([1, 6, 36]);
  });

  it("keeps a loop open while a source that sends the signal is still reading", async () => {
    const f = ir(`flow loop() {
  worker w { run "x" replicas 2 }
  start = pond("SELECT s FROM seeds")
  xs    = [1, 2, 3]
  h     = xs | w.scale(f: item) hold
  per   = h | gather by round
  back  = per | take 0
  sig   = merge(start, back)
  h <- sig as "s"
  emit per
}`);
    const r = await within(
      5_000,
      runEngine(f, {
        dispatcher: fakeDispatcher({}, { scale }),
        pondRows: async function* () {
          yield 1;
          await sleep(100);
          yield 2;
        },
      }),
    );
    expect(r.result.per).toEqual([
      [1, 2, 3],
      [2, 4, 6],
    ]);
  });
});
