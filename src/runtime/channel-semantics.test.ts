import { describe, expect, it } from "vitest";
import { Channel, broadcast } from "./channel.js";
import { flush, track } from "./test-flows.js";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

/** A source of `n` items that counts what was read from it and whether it was closed. */
function counted(n: number): { source: AsyncIterable<number>; pulled: () => number; closed: () => boolean } {
  let pulled = 0;
  let closed = false;
  async function* gen(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) {
        pulled++;
        yield i;
      }
    } finally {
      closed = true;
    }
  }
  return { source: gen(), pulled: () => pulled, closed: () => closed };
}

/** A full channel of capacity 1 holding 1, and a send of 2 to it that waits. */
async function blockedSender(): Promise<{ c: Channel<number>; blocked: ReturnType<typeof track<void>> }> {
  const c = new Channel<number>(1);
  await c.send(1);
  const blocked = track(c.send(2));
  await flush();
  expect(blocked.settled()).toBe(false);
  return { c, blocked };
}

describe("Channel semantics", () => {
  it("refuses a capacity under 1", () => {
    expect(() => new Channel(0)).toThrow(new RangeError("channel capacity must be at least 1, got 0"));
    expect(() => new Channel(Number.NaN)).toThrow(new RangeError("channel capacity must be at least 1, got NaN"));
    expect(new Channel(1).capacity).toBe(1);
  });

  it("send on a closed channel throws and buffers nothing", async () => {
    const c = new Channel<number>(4);
    await c.send(1);
    c.close();
    await expect(c.send(2)).rejects.toThrow(new Error("send on a closed channel"));
    expect(c.size).toBe(1);
    expect(await collect(c)).toEqual([1]);
  });

  it("close releases a sender blocked on a full channel with the closed error", async () => {
    const { c, blocked } = await blockedSender();
    c.close();
    await flush();
    expect(blocked.settled()).toBe(true);
    await expect(blocked.result).rejects.toThrow("send on a closed channel");
    expect(await collect(c)).toEqual([1]);
  });

  it("a detached channel drops what is sent to it", async () => {
    const c = new Channel<number>(2);
    await c.send(1);
    expect(c.isDetached).toBe(false);
    c.detach();
    expect(c.isDetached).toBe(true);
    expect(c.size).toBe(0);
    await c.send(2);
    expect(c.size).toBe(0);
    expect(c.offer(3)).toBe(true);
    expect(c.size).toBe(0);
  });

  it("detach releases a blocked sender, whose item is dropped", async () => {
    const { c, blocked } = await blockedSender();
    c.detach();
    await expect(blocked.result).resolves.toBeUndefined();
    expect(c.size).toBe(0);
  });

  describe("offer", () => {
    it("takes items up to the capacity, then says the caller must send", async () => {
      const c = new Channel<number>(2);
      expect(c.offer(1)).toBe(true);
      expect(c.offer(2)).toBe(true);
      expect(c.size).toBe(2);
      expect(c.offer(3)).toBe(false);
      expect(c.size).toBe(2);
      c.close();
      expect(await collect(c)).toEqual([1, 2]);
    });

    it("hands an item to a waiting receiver", async () => {
      const c = new Channel<string>(1);
      const next = c[Symbol.asyncIterator]().next();
      expect(c.offer("x")).toBe(true);
      await expect(next).resolves.toEqual({ value: "x", done: false });
      expect(c.size).toBe(0);
    });

    it("refuses on a closed channel", async () => {
      const c = new Channel<number>(2);
      c.close();
      expect(c.offer(1)).toBe(false);
      expect(c.size).toBe(0);
      expect(await collect(c)).toEqual([]);
    });

    it("refuses on a failed channel", async () => {
      const c = new Channel<number>(2);
      const boom = new Error("boom");
      c.abort(boom);
      expect(c.offer(1)).toBe(false);
      expect(c.size).toBe(0);
      await expect(c.send(1)).rejects.toBe(boom);
    });
  });

  describe("abort", () => {
    it("keeps the first error", async () => {
      const c = new Channel<number>(2);
      const first = new Error("first");
      c.abort(first);
      c.abort(new Error("second"));
      await expect(collect(c)).rejects.toBe(first);
      await expect(c.send(1)).rejects.toBe(first);
    });

    it("after a close whose items were all read, changes nothing", async () => {
      const c = new Channel<number>(2);
      await c.send(1);
      c.close();
      expect(await collect(c)).toEqual([1]);
      c.abort(new Error("late"));
      expect(await collect(c)).toEqual([]);
      await expect(c.send(2)).rejects.toThrow("send on a closed channel");
    });

    it("after a close with items still buffered, drops them and fails the reader", async () => {
      const c = new Channel<number>(3);
      await c.send(1);
      await c.send(2);
      c.close();
      const boom = new Error("boom");
      c.abort(boom);
      expect(c.size).toBe(0);
      await expect(collect(c)).rejects.toBe(boom);
    });
  });

  describe("a receiver that leaves", () => {
    it("return() ends the iteration", async () => {
      const c = new Channel<number>(1);
      const it = c[Symbol.asyncIterator]();
      await expect(it.return!()).resolves.toEqual({ value: undefined, done: true });
    });

    it("before the end detaches, even with nothing buffered", async () => {
      const c = new Channel<number>(2);
      await c.send(1);
      const it = c[Symbol.asyncIterator]();
      await expect(it.next()).resolves.toEqual({ value: 1, done: false });
      expect(c.size).toBe(0);
      await it.return!();
      expect(c.isDetached).toBe(true);
      await c.send(2);
      expect(c.size).toBe(0);
    });

    it("after a close, with items left, detaches and drops them", async () => {
      const c = new Channel<number>(3);
      await c.send(1);
      await c.send(2);
      await c.send(3);
      c.close();
      for await (const v of c) if (v === 1) break;
      expect(c.isDetached).toBe(true);
      expect(c.size).toBe(0);
    });

    it("after a close with everything read, does not detach", async () => {
      const c = new Channel<number>(2);
      await c.send(1);
      c.close();
      const it = c[Symbol.asyncIterator]();
      await expect(it.next()).resolves.toEqual({ value: 1, done: false });
      await it.return!();
      expect(c.isDetached).toBe(false);
    });

    it("because of a failure detaches an open channel", async () => {
      const c = new Channel<number>(2);
      const boom = new Error("boom");
      c.abort(boom);
      await expect(collect(c)).rejects.toBe(boom);
      expect(c.isDetached).toBe(true);
    });
  });

  it("counts every item taken in Channel.moves", async () => {
    const c = new Channel<number>(3);
    await c.send(1);
    await c.send(2);
    c.close();
    const before = Channel.moves;
    expect(await collect(c)).toEqual([1, 2]);
    expect(Channel.moves).toBe(before + 2);
  });

  describe("broadcast", () => {
    it("copies every item once to a single output, without onItem", async () => {
      const out = new Channel<number>(2);
      const src = counted(20);
      const done = broadcast(src.source, [out]);
      expect(await collect(out)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      await expect(done).resolves.toBeUndefined();
      expect(src.closed()).toBe(true);
    });

    it("sees each item with onItem, waiting on a full single output", async () => {
      const out = new Channel<number>(1);
      const seen: number[] = [];
      const done = broadcast(counted(5).source, [out], (v) => seen.push(v));
      expect(await collect(out)).toEqual([0, 1, 2, 3, 4]);
      await done;
      expect(seen).toEqual([0, 1, 2, 3, 4]);
    });

    it.each<[string, number]>([
      ["its single output", 1],
      ["every output", 2],
    ])("stops reading the source once %s is detached", async (_outputs, n) => {
      const outs = Array.from({ length: n }, () => new Channel<number>(4));
      for (const out of outs) out.detach();
      const src = counted(100);
      const seen: number[] = [];
      await broadcast(src.source, outs, (v) => seen.push(v));
      expect(seen).toEqual([0]);
      expect(src.pulled()).toBe(1);
      expect(src.closed()).toBe(true);
    });

    it("keeps feeding the outputs still read when one is detached", async () => {
      const a = new Channel<number>(1);
      const b = new Channel<number>(1);
      a.detach();
      const done = broadcast(counted(10).source, [a, b]);
      expect(await collect(b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await done;
      expect(a.size).toBe(0);
    });

    it("aborts every output with a failure of the source, and rethrows it", async () => {
      const a = new Channel<number>(4);
      const b = new Channel<number>(4);
      const boom = new Error("source broke");
      async function* src(): AsyncGenerator<number> {
        yield 1;
        throw boom;
      }
      await expect(broadcast(src(), [a, b])).rejects.toBe(boom);
      await expect(collect(a)).rejects.toBe(boom);
      await expect(collect(b)).rejects.toBe(boom);
    });
  });
});

describe("a reader that returns while a read is pending", () => {
  it("ends that read as done, so a later abort rejects nothing unobserved", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const c = new Channel<number>(1);
      const it = c[Symbol.asyncIterator]();
      // a merge races next() over its inputs, then returns the ones it no longer reads
      const pending = it.next();
      await it.return!();
      c.abort(new Error("the run failed"));
      await expect(pending).resolves.toEqual({ value: undefined, done: true });
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
