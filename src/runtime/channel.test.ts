import { describe, expect, it } from "vitest";
import { Channel, broadcast } from "./channel.js";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe("Channel", () => {
  it("delivers in order and ends on close", async () => {
    const c = new Channel<number>(2);
    const got = collect(c);
    for (let i = 0; i < 10; i++) await c.send(i);
    c.close();
    expect(await got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("applies backpressure at capacity", async () => {
    const c = new Channel<number>(3);
    let sent = 0;
    const producer = (async () => {
      for (let i = 0; i < 10; i++) {
        await c.send(i);
        sent++;
      }
      c.close();
    })();
    await new Promise((r) => setTimeout(r, 20));
    expect(sent).toBe(3);
    expect(c.size).toBe(3);
    const got = await collect(c);
    await producer;
    expect(got).toHaveLength(10);
  });

  it("abort wakes a waiting receiver and a blocked sender with the error", async () => {
    const c = new Channel<number>(1);
    await c.send(1);
    const blocked = c.send(2);
    const boom = new Error("boom");
    c.abort(boom);
    await expect(blocked).rejects.toBe(boom);
    await expect(collect(c)).rejects.toBe(boom);
  });

  it("a receiver that stops early releases the sender", async () => {
    const c = new Channel<number>(1);
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await c.send(i);
      return "done";
    })();
    for await (const v of c) if (v === 2) break;
    expect(await producer).toBe("done");
  });

  it("broadcast gives every reader every item, at the pace of the slowest", async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    async function* src(): AsyncGenerator<number> {
      for (let i = 0; i < 50; i++) yield i;
    }
    const done = broadcast(src(), [a, b]);
    const [x, y] = await Promise.all([collect(a), collect(b)]);
    await done;
    expect(x).toEqual(y);
    expect(x).toHaveLength(50);
  });
});
