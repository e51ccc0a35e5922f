/** Deadlines longer than a Node timer can hold (2^31 - 1 ms, ~24.8 days) must not fire at once. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, sleep, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import type { CallContext } from "./types.js";

const methods = {
  nap: async (_i: unknown, ctx: CallContext) => {
    await sleep(100);
    return { aborted: ctx.abortSignal.aborted, deadline: ctx.deadline };
  },
};

let w: TestWorker;
beforeAll(async () => {
  w = await serveForTest(methods);
});
afterAll(() => w.close());

describe("a Session call with a timeout_ms beyond 2^31 - 1 ms", () => {
  it.each([2 ** 31, 30 * 24 * 3_600_000, Number.MAX_SAFE_INTEGER])(
    "timeout_ms %d: the call runs to its result, ctx.deadline that far ahead",
    async (timeoutMs) => {
      const s = w.client.session();
      const before = Date.now();
      const out = (await s.start("nap", null, { timeoutMs }).result) as { aborted: boolean; deadline: number };
      s.end();
      expect(out.aborted).toBe(false);
      expect(out.deadline).toBeGreaterThanOrEqual(before + timeoutMs - 1_000);
    },
  );
});

describe("an Invoke with a timeout beyond 2^31 - 1 ms", () => {
  it.each([2 ** 31, 30 * 24 * 3_600_000])("timeout %d: the call runs to its result instead of ending at once", async (timeoutMs) => {
    const out = (await w.client.invoke("nap", null, { timeoutMs })) as { aborted: boolean };
    expect(out.aborted).toBe(false);
  });
});
