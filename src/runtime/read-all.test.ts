import { describe, expect, it } from "vitest";
import { Channel } from "./channel.js";
import { mapConcurrent } from "./map-concurrent.js";
import { STOP, readAll, type PollableIterator } from "./read-all.js";
import { rangeSource } from "./sources.js";

/** A pollable source of `items` that counts how it was read and whether `return` was called. */
function counted(items: number[], failAt?: number) {
  const seen = { polls: 0, nexts: 0, returns: 0 };
  let i = 0;
  const step = (): IteratorResult<number> => {
    if (i === failAt) throw new Error(`source failed at ${i}`);
    return i < items.length ? { value: items[i++]!, done: false } : { value: undefined, done: true };
  };
  const source: AsyncIterable<number> = {
    [Symbol.asyncIterator]: (): PollableIterator<number> => ({
      poll: () => {
        seen.polls++;
        // every third item is "not ready yet": the reader must await next for it
        return i % 3 === 2 ? undefined : step();
      },
      next: async () => {
        seen.nexts++;
        return step();
      },
      return: async () => {
        seen.returns++;
        return { value: undefined, done: true };
      },
    }),
  };
  return { source, seen };
}

describe("readAll", () => {
  it("reads every item in order, taking ready ones by poll and awaiting next only for the rest", async () => {
    const { source, seen } = counted([10, 11, 12, 13, 14, 15, 16]);
    const got: number[] = [];
    await readAll(source, (v) => void got.push(v));
    expect(got).toEqual([10, 11, 12, 13, 14, 15, 16]);
    // items 2 and 5 were not ready: two nexts, no more
    expect(seen.nexts).toBe(2);
    expect(seen.returns).toBe(0);
  });

  it("waits for a promise `each` returns before the next item", async () => {
    const { source } = counted([1, 2, 3]);
    const order: string[] = [];
    await readAll(source, async (v) => {
      order.push(`start ${v}`);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`end ${v}`);
    });
    expect(order).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });

  it("stops at STOP, returned or resolved, and calls the source's return as a break would", async () => {
    for (const stopAt of [(v: number) => (v === 2 ? STOP : undefined), async (v: number) => (v === 2 ? STOP : undefined)]) {
      const { source, seen } = counted([1, 2, 3, 4]);
      const got: number[] = [];
      await readAll(source, (v) => {
        got.push(v);
        return stopAt(v);
      });
      expect(got).toEqual([1, 2]);
      expect(seen.returns).toBe(1);
    }
  });

  it("calls the source's return when `each` throws, and rethrows", async () => {
    const { source, seen } = counted([1, 2, 3]);
    await expect(
      readAll(source, (v) => {
        if (v === 2) throw new Error("each failed");
      }),
    ).rejects.toThrow("each failed");
    expect(seen.returns).toBe(1);
  });

  it("keeps the error of `each` when the source's return fails too, and reports return's failure after a STOP, as for await does", async () => {
    // a source whose return rejects, as a generator whose finally throws
    const failingReturn = (): AsyncIterable<number> => ({
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ value: 1, done: false }),
        return: async () => {
          throw new Error("return failed");
        },
      }),
    });
    const viaForAwait = async (stop: boolean): Promise<string> => {
      try {
        for await (const _ of failingReturn()) {
          if (stop) break;
          throw new Error("body failed");
        }
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    const viaReadAll = (stop: boolean): Promise<string> =>
      readAll(failingReturn(), () => {
        if (stop) return STOP;
        throw new Error("body failed");
      }).then(
        () => "no error",
        (e: unknown) => (e as Error).message,
      );
    expect(await viaReadAll(false)).toBe("body failed");
    expect(await viaReadAll(false)).toBe(await viaForAwait(false));
    expect(await viaReadAll(true)).toBe("return failed");
    expect(await viaReadAll(true)).toBe(await viaForAwait(true));
  });

  it("rethrows a failure of the source without calling its return, as for await does", async () => {
    const { source, seen } = counted([1, 2, 3, 4], 1);
    await expect(readAll(source, () => undefined)).rejects.toThrow("source failed at 1");
    expect(seen.returns).toBe(0);
  });

  it("reads plain async iterables (no poll) like for await", async () => {
    async function* gen() {
      yield 1;
      yield 2;
    }
    const got: number[] = [];
    await readAll(gen(), (v) => void got.push(v));
    expect(got).toEqual([1, 2]);
  });
});

describe("poll", () => {
  it("a Channel hands out what it buffered, then the end, and waits (undefined) in between", async () => {
    const c = new Channel<number>(4);
    const it = c[Symbol.asyncIterator]() as PollableIterator<number>;
    expect(it.poll()).toBeUndefined();
    c.offer(1);
    c.offer(2);
    expect(it.poll()).toEqual({ value: 1, done: false });
    expect(it.poll()).toEqual({ value: 2, done: false });
    expect(it.poll()).toBeUndefined();
    c.close();
    expect(it.poll()).toEqual({ value: undefined, done: true });
  });

  it("a Channel's poll frees a slot for a waiting sender and throws its failure", async () => {
    const c = new Channel<number>(1);
    const it = c[Symbol.asyncIterator]() as PollableIterator<number>;
    c.offer(1);
    let sent = false;
    const sending = c.send(2).then(() => (sent = true));
    expect(it.poll()).toEqual({ value: 1, done: false });
    await sending;
    expect(sent).toBe(true);
    c.abort(new Error("upstream failed"));
    expect(() => it.poll()).toThrow("upstream failed");
  });

  it("a range source and mapConcurrent's outputs can be polled", async () => {
    const outputs = mapConcurrent(rangeSource(50), 8, true, async (x) => [x as number])[Symbol.asyncIterator]() as PollableIterator<number>;
    expect(typeof outputs.poll).toBe("function");
    const got: number[] = [];
    await readAll({ [Symbol.asyncIterator]: () => outputs }, (v) => void got.push(v));
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const it = rangeSource(2)[Symbol.asyncIterator]() as PollableIterator<number>;
    expect([it.poll(), it.poll(), it.poll()]).toEqual([
      { value: 0, done: false },
      { value: 1, done: false },
      { value: undefined, done: true },
    ]);
  });
});
