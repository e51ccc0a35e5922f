/** The worker measures how long its method ran and says so with the result, over Session and Invoke; Session calls' progress reaches a request's callback. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, sleep, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import type { CallContext } from "./types.js";

let w: TestWorker;
beforeAll(async () => {
  w = await serveForTest({
    nap: async (input: { ms: number }) => {
      await sleep(input.ms);
      return input.ms;
    },
    steps: async (input: { n: number }, ctx: CallContext) => {
      for (let i = 1; i <= input.n; i++) {
        ctx.progress(i / input.n, `step ${i}`);
        await sleep(80);
      }
      return input.n;
    },
  });
});
afterAll(() => w.close());

describe("the worker's own time", () => {
  it("comes with a Session result, about as long as the method ran, within the round trip", async () => {
    const s = w.client.session();
    const times: number[] = [];
    const t0 = performance.now();
    await expect(s.request("nap", { ms: 60 }, { onWorkerMs: (ms) => times.push(ms) })).resolves.toBe(60);
    const roundTrip = performance.now() - t0;
    expect(times).toHaveLength(1);
    expect(times[0]).toBeGreaterThanOrEqual(55);
    expect(times[0]).toBeLessThanOrEqual(roundTrip);
    s.end();
  });

  it("comes with an Invoke's Output", async () => {
    const times: number[] = [];
    const out = await w.client.invokeRaw({ method: "nap", input: { json: '{"ms":40}' }, callId: "i1", attempt: 1 });
    expect(out.workerMs).toBeGreaterThanOrEqual(35);
    await expect(w.client.invoke("nap", { ms: 30 }, { onWorkerMs: (ms) => times.push(ms) })).resolves.toBe(30);
    expect(times[0]).toBeGreaterThanOrEqual(25);
  });
});

describe("progress over Session", () => {
  it("reaches the request's callback with the fractions the method reported", async () => {
    const s = w.client.session();
    const seen: Array<[number, string]> = [];
    await expect(s.request("steps", { n: 4 }, { onProgress: (f, m) => seen.push([f, m]) })).resolves.toBe(4);
    expect(seen).toEqual([
      [0.25, "step 1"],
      [0.5, "step 2"],
      [0.75, "step 3"],
      [1, "step 4"],
    ]);
    s.end();
  });
});
