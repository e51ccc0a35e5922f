/** `where`, `map` and `group by` as the engine runs them: no worker call, rounds kept or ended, errors that name the item. */
import { describe, expect, it } from "vitest";
import { compile } from "../dsl/compile.js";
import { ExpressionError } from "../ir/evaluate.js";
import type { FlowIR, Json } from "../ir/types.js";
import { runEngine } from "./engine.js";
import { StepError } from "./errors.js";
import { fakeDispatcher } from "./fake-held.js";
import { compiled, loopFlow, scale, within } from "./test-flows.js";

const ir = (text: string): FlowIR => compiled(compile(text));
const flow = (body: string): FlowIR => ir(`flow t(limit: int = 6) {\n  worker w { run "x" }\n${body}\n}`);

describe("where, map and group by", () => {
  it("keep the items a test is true for, reshape them, and group them by key, without calling a worker", async () => {
    const d = fakeDispatcher({});
    const r = await runEngine(
      flow(`  xs = range(10) | where item % 2 == 0 and not (item > limit) | map {n: item, sq: item * item, odd3: item % 3 == 1}
  gs = xs | group by item.odd3
  emit xs, gs`),
      { dispatcher: d },
    );
    expect(r.result.xs).toEqual([
      { n: 0, sq: 0, odd3: false },
      { n: 2, sq: 4, odd3: false },
      { n: 4, sq: 16, odd3: true },
      { n: 6, sq: 36, odd3: false },
    ]);
    expect(r.result.gs).toEqual([
      { key: false, items: [r.result.xs![0], r.result.xs![1], r.result.xs![3]] },
      { key: true, items: [r.result.xs![2]] },
    ]);
    expect(d.calls).toEqual([]);
  });

  it("groups by keys equal as JSON: objects whatever their key order, lists item by item; keys in the order first seen", async () => {
    const r = await runEngine(
      flow(`  xs = [{a: 1, b: 2, v: 1}, {b: 2, a: 1, v: 2}, {a: 1, b: 3, v: 3}, {a: 1, b: 2, v: 4}]
  byObj = xs | group by {a: item.a, b: item.b} | map [item.key.b, item.items]
  byList = xs | group by [item.b] | map item.items | map item
  emit byObj, byList`),
      { dispatcher: fakeDispatcher({}) },
    );
    const v = (xs: Json): Json => (xs as Array<{ v: number }>).map((x) => x.v);
    expect((r.result.byObj as Array<[number, Json]>).map(([b, items]) => [b, v(items)])).toEqual([
      [2, [1, 2, 4]],
      [3, [3]],
    ]);
    expect((r.result.byList as Json[]).map(v)).toEqual([[1, 2, 4], [3]]);
  });

  it("compares numbers with numbers and strings with strings; == and != on any JSON", async () => {
    const r = await runEngine(
      flow(`  a = ["b", "a", "c", "ab"] | where item >= "b" or item == "a"
  b = [[1, 2], [1], [1, 2], null] | where item != [1, 2]
  c = [1, 1.5, 2] | where 1 < item and item <= 2
  emit a, b, c`),
      { dispatcher: fakeDispatcher({}) },
    );
    expect(r.result).toEqual({ a: ["b", "a", "c"], b: [[1], null], c: [1.5, 2] });
  });

  it("reads the right side of and / or only when it decides", async () => {
    const r = await runEngine(flow(`  xs = [0, 2, 5] | where item != 0 and 10 / item > 2\n  emit xs`), { dispatcher: fakeDispatcher({}) });
    expect(r.result.xs).toEqual([2]);
  });

  it("fails the step naming the stage, its line and the item when the expression cannot be evaluated", async () => {
    // through a worker: a constant list's items are checked when the flow compiles
    const run = runEngine(flow(`  xs = [{v: 1}, {w: 2}] | w.f | where item.v > 0\n  emit xs`), { dispatcher: fakeDispatcher({ f: (x) => x }) });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect((err as Error).message).toBe('step `xs`: no field `v` (fields: w) in `where` (line 3), item {"w":2}');
    expect((err as Error).cause).toBeInstanceOf(ExpressionError);
    const notBool = await runEngine(flow(`  xs = [1, 2] | w.f | where item\n  emit xs`), { dispatcher: fakeDispatcher({ f: (x) => x }) }).catch(
      (e: unknown) => e,
    );
    expect((notBool as Error).message).toMatch(/^step `xs`: `where` \(line 3\) needs a bool, got [12] for item [12]$/);
    const mapped = await runEngine(flow(`  xs = ["a"] | w.f | map item * 2\n  emit xs`), { dispatcher: fakeDispatcher({ f: (x) => x }) }).catch(
      (e: unknown) => e,
    );
    expect((mapped as Error).message).toBe('step `xs`: cannot apply `*` to string and int in `map` (line 3), item "a"');
    const grouped = await runEngine(flow(`  xs = [1] | w.f | group by item.k\n  emit xs`), { dispatcher: fakeDispatcher({ f: (x) => x }) }).catch(
      (e: unknown) => e,
    );
    expect((grouped as Error).message).toBe("step `xs`: cannot read field `k` of int in `group by` (line 3), item 1");
  });

  it("where and map keep a held call's rounds; group by reads them all", async () => {
    let rounds = 0;
    const next = ({ lists, stop }: { lists: number[]; stop: number }): Json => (++rounds >= stop ? [] : [lists.reduce((a, b) => a + b, 0)]);
    const text = loopFlow({ start: "[1] | w.ident", h: "w.scale(f: item) hold | where item != 2 | map item * 10" });
    const r = await within(5_000, runEngine(ir(text), { dispatcher: fakeDispatcher({ ident: (x) => x, next }, { scale }) }));
    // signal 1 → [1,2,3] kept [1,3] → [10,30]; sum 40 → [40,80,120] → [400,...]; sum 2400 → ...
    expect(r.result.per).toEqual([
      [10, 30],
      [400, 800, 1200],
      [24000, 48000, 72000],
    ]);
    // a round whose items are all dropped makes no list: the loop has nothing to go on with
    rounds = 0;
    const dropped = loopFlow({ start: "[1] | w.ident", h: "w.scale(f: item) hold | where item < 5" });
    const d = await within(5_000, runEngine(ir(dropped), { dispatcher: fakeDispatcher({ ident: (x) => x, next }, { scale }) }));
    expect(d.result.per).toEqual([[1, 2, 3]]);
    rounds = 0;
    const grouped = loopFlow({ start: "[1] | w.ident", h: "w.scale(f: item) hold", more: "  g = h | group by item % 2\n", emit: "g" });
    const g = await within(5_000, runEngine(ir(grouped), { dispatcher: fakeDispatcher({ ident: (x) => x, next }, { scale }) }));
    // items in arrival order: the held calls of a round may yield in any order
    const sorted = (g.result.g as Array<{ key: number; items: number[] }>).map(({ key, items }) => ({ key, items: [...items].sort((a, b) => a - b) }));
    expect(sorted).toEqual([
      { key: 1, items: [1, 3] },
      { key: 0, items: [2, 6, 12, 18, 36, 72, 108] },
    ]);
  });

  it("join pairs the items of two steps whose keys are equal, as soon as both are in; combine pairs them all", async () => {
    const slow = async (x: Json): Promise<Json> => (await new Promise((r) => setTimeout(r, (x as { id: number }).id === 3 ? 40 : 0)), x);
    const r = await runEngine(
      flow(`  a = [{id: 1, x: "a"}, {id: 2, x: "b"}, {id: 1, x: "c"}, {id: 3, x: "d"}]
  b = [{id: 1, y: "10"}, {id: 3, y: "30"}, {id: 4, y: "40"}] | w.slow
  j = join(a, b, by: item.id) | map [item.key, item.left.x, item.right.y]
  c = combine(a, b) | map item.left.x + item.right.y
  emit j, c`),
      { dispatcher: fakeDispatcher({ slow }) },
    );
    const sorted = (xs: Json[] | undefined): Json[] => [...(xs ?? [])].sort((p, q) => JSON.stringify(p).localeCompare(JSON.stringify(q)));
    expect(sorted(r.result.j)).toEqual([
      [1, "a", "10"],
      [1, "c", "10"],
      [3, "d", "30"],
    ]);
    expect(sorted(r.result.c)).toEqual(["a10", "a30", "a40", "b10", "b30", "b40", "c10", "c30", "c40", "d10", "d30", "d40"]);
    // the slow right item (id 3) comes last: its pair is the last out
    expect((r.result.j as Json[]).at(-1)).toEqual([3, "d", "30"]);
  });

  it("a join key that cannot be evaluated fails the step, naming the item", async () => {
    const err = await runEngine(
      flow(`  a = [{id: 1}]
  b = [{k: 1}] | w.f
  j = join(a, b, by: item.id)
  emit j`),
      {
        dispatcher: fakeDispatcher({ f: (x) => x }),
      },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe('step `j`: no field `id` (fields: k) in `join` (line 5), item {"k":1}');
  });
});
