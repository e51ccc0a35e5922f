/** Batched Session frames with the TypeScript SDK: read in order, answered in batches only when asked. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import type { SessionOutMsg } from "../proto/messages.js";
import type { CallContext } from "./types.js";

const CALLS = 300;

let w: TestWorker;
beforeAll(async () => {
  w = await serveForTest(
    {
      double: (x: number) => 2 * x,
      /** Yields its input, then returns it plus the first value of signal "add". */
      plus: async function* (x: number, ctx: CallContext) {
        yield x;
        return x + (await ctx.signal<number>("add"));
      },
    },
    { maxConcurrentCalls: 1000 },
  );
});
afterAll(() => w?.close());

function frameCounter(stream: NodeJS.EventEmitter): { frames: number; batched: number; messages: number } {
  const c = { frames: 0, batched: 0, messages: 0 };
  stream.on("data", (f: SessionOutMsg) => {
    c.frames++;
    if (f.batch?.length) {
      c.batched++;
      c.messages += f.batch.length;
    } else c.messages++;
  });
  return c;
}

describe("batched Session frames (TypeScript SDK)", () => {
  it("Describe offers them", async () => {
    expect((await w.client.describe()).sessionBatches).toBe(true);
  });

  it("calls started in one turn go in one frame and come back in few, each with its own answer", async () => {
    const s = w.client.session({ batches: true });
    const count = frameCounter(s.stream);
    const results = await Promise.all(Array.from({ length: CALLS }, (_, i) => s.request("double", i)));
    expect(results).toEqual(Array.from({ length: CALLS }, (_, i) => 2 * i));
    expect(count.messages).toBe(CALLS);
    expect(count.batched).toBeGreaterThan(0);
    expect(count.frames).toBeLessThan(CALLS / 10);
    s.end();
    expect((await s.closed).code).toBe(0);
  });

  it("a worker not asked for batches answers one message per frame", async () => {
    const s = w.client.session();
    const count = frameCounter(s.stream);
    await Promise.all(Array.from({ length: CALLS }, (_, i) => s.request("double", i)));
    expect(count).toEqual({ frames: CALLS, batched: 0, messages: CALLS });
    s.end();
  });

  it("keeps order within a frame: a signal sent with its call's start reaches that call", async () => {
    const s = w.client.session({ batches: true });
    const calls = Array.from({ length: 50 }, (_, i) => {
      const call = s.start("plus", i);
      call.signal("add", 1000);
      return call;
    });
    expect(await Promise.all(calls.map((c) => c.result))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1000));
    s.end();
  });
});
