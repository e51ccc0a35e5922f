import { describe, expect, it } from "vitest";
import { flatten, gather, last, merge, take } from "./stream-stages.js";
import { reduceTree } from "./reduce-tree.js";
import type { Json } from "../ir/types.js";

async function* of(...xs: Json[]): AsyncGenerator<Json> {
  for (const x of xs) yield x;
}
async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("stream stages", () => {
  it("gather, flatten, last, take", async () => {
    expect(await all(gather(of(1, 2, 3)))).toEqual([[1, 2, 3]]);
    expect(await all(gather(of()))).toEqual([[]]);
    expect(await all(flatten(of([1, 2], 3, [[4]])))).toEqual([1, 2, 3, [4]]);
    expect(await all(last(of(1, 2, 3)))).toEqual([3]);
    expect(await all(last(of()))).toEqual([]);
    expect(await all(take(of(1, 2, 3), 2))).toEqual([1, 2]);
    expect(await all(take(of(1, 2, 3), 0))).toEqual([]);
  });

  it("merge yields every item of every input", async () => {
    async function* slow(xs: number[], ms: number): AsyncGenerator<number> {
      for (const x of xs) {
        await sleep(ms);
        yield x;
      }
    }
    const out = await all(merge([slow([1, 2, 3], 3), slow([10, 20], 1), of() as AsyncGenerator<never>]));
    expect(out.sort((a, b) => a - b)).toEqual([1, 2, 3, 10, 20]);
  });
});

describe("reduceTree", () => {
  it("combines everything into one value, pairs in parallel", async () => {
    let live = 0;
    let peak = 0;
    let calls = 0;
    async function* nums(): AsyncGenerator<number> {
      for (let i = 1; i <= 100; i++) yield i;
    }
    const out = await all(
      reduceTree(nums(), 4, async (a, b) => {
        calls++;
        live++;
        peak = Math.max(peak, live);
        await sleep(1);
        live--;
        return a + b;
      }),
    );
    expect(out).toEqual([5050]);
    expect(calls).toBe(99);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it("yields the single value or nothing", async () => {
    const add = async (a: number, b: number): Promise<number> => a + b;
    expect(await all(reduceTree(of(7) as AsyncIterable<number>, 2, add))).toEqual([7]);
    expect(await all(reduceTree(of() as AsyncIterable<number>, 2, add))).toEqual([]);
  });

  it("rethrows the first failure and aborts the others", async () => {
    let aborted = 0;
    async function* nums(): AsyncGenerator<number> {
      for (let i = 0; i < 20; i++) yield i;
    }
    const run = all(
      reduceTree(nums(), 4, async (a, b, signal) => {
        if (a === 0 || b === 0) {
          await sleep(5);
          throw new Error("bad pair");
        }
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => (aborted++, resolve())));
        return a + b;
      }),
    );
    await expect(run).rejects.toThrow("bad pair");
    expect(aborted).toBeGreaterThan(0);
  });
});
