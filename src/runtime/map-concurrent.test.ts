import { describe, expect, it } from "vitest";
import { mapConcurrent } from "./map-concurrent.js";

async function* range(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("mapConcurrent", () => {
  it("never exceeds the limit and yields everything", async () => {
    let live = 0;
    let peak = 0;
    const out: number[] = [];
    for await (const v of mapConcurrent(range(40), 5, false, async (x) => {
      live++;
      peak = Math.max(peak, live);
      await sleep(Math.random() * 5);
      live--;
      return [x * 2];
    }))
      out.push(v);
    expect(peak).toBe(5);
    expect(out.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
  });

  it("keeps input order when ordered", async () => {
    const out: number[] = [];
    for await (const v of mapConcurrent(range(30), 8, true, async (x) => {
      await sleep((30 - x) % 7);
      return [x];
    }))
      out.push(v);
    expect(out).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it("keeps each call's outputs together, in input order, behind a slow reader; finished calls wait until sent", async () => {
    const out: string[] = [];
    let live = 0;
    let peak = 0;
    for await (const v of mapConcurrent(range(6), 2, true, async (x) => {
      live++;
      peak = Math.max(peak, live);
      await sleep(x % 2 === 0 ? 3 : 0);
      live--;
      return ["a", "b", "c", "d", "e"].map((l) => `${x}${l}`);
    })) {
      out.push(v);
      await sleep(1);
    }
    expect(out).toEqual(Array.from({ length: 6 }, (_, x) => ["a", "b", "c", "d", "e"].map((l) => `${x}${l}`)).flat());
    expect(peak).toBeLessThanOrEqual(2);
  });

  it("drops items whose call yields nothing", async () => {
    const out: number[] = [];
    for await (const v of mapConcurrent(range(10), 3, true, async (x) => (x % 2 ? [] : [x]))) out.push(v);
    expect(out).toEqual([0, 2, 4, 6, 8]);
  });

  it("on the first failure aborts every call in flight and rethrows", async () => {
    const aborted: number[] = [];
    const run = async (): Promise<void> => {
      for await (const _ of mapConcurrent(range(100), 8, false, async (x, _i, signal) => {
        if (x === 3) {
          await sleep(5);
          throw new Error("call 3 failed");
        }
        await new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => {
            aborted.push(x);
            resolve();
          }),
        );
        return [x];
      })) {
        // nothing arrives before the failure
      }
    };
    await expect(run()).rejects.toThrow("call 3 failed");
    expect(aborted.length).toBe(7);
  });

  it("aborts calls in flight when the reader stops early", async () => {
    let aborts = 0;
    let started = 0;
    for await (const v of mapConcurrent(range(100), 4, false, async (x, _i, signal) => {
      started++;
      // call 0 ends once the others have started (an output reaches the reader within microtasks)
      if (x === 0) await sleep(1);
      else await new Promise<void>((resolve) => signal.addEventListener("abort", () => (aborts++, resolve())));
      return [x];
    })) {
      expect(v).toBe(0);
      break;
    }
    await sleep(5);
    // every call that started, but the one that finished, was aborted
    expect(started).toBeGreaterThanOrEqual(4);
    expect(aborts).toBe(started - 1);
  });

  it("after a failure while waiting for a slot, reads no further input and releases it", async () => {
    // two items ready, then an input that never comes: reading past the failure would hang
    let returned = 0;
    let reads = 0;
    const input: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => (reads < 3 ? Promise.resolve({ value: reads++, done: false }) : new Promise<IteratorResult<number>>(() => undefined)),
        return: async () => {
          returned++;
          return { value: undefined, done: true };
        },
      }),
    };
    const outputs = mapConcurrent(input, 2, false, async (x, _i, signal) => {
      if (x === 0) {
        await sleep(5);
        throw new Error("call 0 failed");
      }
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      return [x];
    });
    await expect(
      (async () => {
        for await (const _ of outputs) {
          // no output comes before the failure
        }
      })(),
    ).rejects.toThrow("call 0 failed");
    await sleep(10);
    // item 2 waited for a slot; once one was free the stage had failed: not started, not read past
    expect(reads).toBe(3);
    expect(returned).toBe(1);
  });
});
