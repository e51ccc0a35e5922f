/**
 * Values over the message limit cross the land as spilled values (land/spilled-value.ts):
 * an output too big for a message is written there and answered as its reference; a spilled
 * input or signal reaches the method as the value itself, its file checked first.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import { RemoteCallError } from "../client/errors.js";
import { Land } from "../land/land.js";
import { LandRef } from "../land/ref.js";
import { SPILLED_VALUE_MEDIA_TYPE, isSpilledValue, spillValue } from "../land/spilled-value.js";
import type { CallContext } from "./types.js";

const LIMIT = 8192;
const methods = {
  text: (n: number) => "x".repeat(n),
  length: (input: { s: string }) => input.s.length,
  twice: async function* (_: null, ctx: CallContext) {
    for (let i = 0; i < 2; i++) {
      const v = await ctx.signal<{ s: string }>("in");
      yield { got: v.s.length, echo: v.s };
    }
  },
};

let w: TestWorker;
let bare: TestWorker;
beforeAll(async () => {
  w = await serveForTest(methods, { maxMessageBytes: LIMIT });
  bare = await serveForTest(methods, { maxMessageBytes: LIMIT, land: undefined });
});
afterAll(async () => {
  await w.close();
  await bare.close();
});

const spilled = (worker: TestWorker, value: unknown): Promise<LandRef> => spillValue(new Land(worker.land), JSON.stringify(value));

describe("a worker with a land", () => {
  it("says in Describe that it reads spilled values; one without a land does not", async () => {
    expect((await w.client.describe()).readsSpilledValues).toBe(true);
    expect((await bare.client.describe()).readsSpilledValues).toBe(false);
  });

  it("answers an output over its limit as a spilled value on the land, and one under it inline", async () => {
    expect(await w.client.invoke("text", 100)).toBe("x".repeat(100));
    const ref = await w.client.invoke("text", 3 * LIMIT);
    expect(isSpilledValue(ref)).toBe(true);
    const r = ref as LandRef;
    expect(r).toMatchObject({ mediaType: SPILLED_VALUE_MEDIA_TYPE, size: 3 * LIMIT + 2 });
    expect(r.path).toMatch(/^values\/[0-9a-f-]{36}\.json$/);
    expect(JSON.parse(readFileSync(join(w.land, r.path), "utf8"))).toBe("x".repeat(3 * LIMIT));
  });

  it("gives a method a spilled input as the value it stands for", async () => {
    const ref = await spilled(w, { s: "y".repeat(5 * LIMIT) });
    expect(await w.client.invoke("length", ref)).toBe(5 * LIMIT);
  });

  it("gives a held method a spilled signal as its value, and spills a yield over the limit", async () => {
    const session = w.client.session();
    const yields: unknown[] = [];
    const call = session.start("twice", null, { onYield: (v) => void yields.push(v) });
    call.signal("in", { s: "small" });
    call.signal("in", await spilled(w, { s: "z".repeat(2 * LIMIT) }));
    await call.result;
    session.end();
    expect(yields[0]).toEqual({ got: 5, echo: "small" });
    expect(isSpilledValue(yields[1])).toBe(true);
    expect(JSON.parse(readFileSync(join(w.land, (yields[1] as LandRef).path), "utf8"))).toEqual({ got: 2 * LIMIT, echo: "z".repeat(2 * LIMIT) });
  });

  it.each([
    ["a file of another SHA-256", async (ref: LandRef) => new LandRef(ref.path, ref.size, "0".repeat(64), ref.mediaType), "LandRefMismatchError", "sha256"],
    [
      "a file that is not JSON",
      () => new Land(w.land).writeFile("values/bad.json", "{not json", { mediaType: SPILLED_VALUE_MEDIA_TYPE }),
      "InvalidArgumentError",
      "is not JSON",
    ],
    [
      "a path out of the land",
      async (ref: LandRef) => new LandRef(`values/../../${ref.path}`, ref.size, ref.sha256, ref.mediaType),
      "InvalidArgumentError",
      "bad land reference",
    ],
  ])("refuses a spilled input with %s: INVALID_ARGUMENT, not retryable", async (_, forge, type, says) => {
    const ref = await forge(await spilled(w, { s: "q".repeat(100) }));
    const e = await w.client.invoke("length", ref).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteCallError);
    expect(e).toMatchObject({ code: "INVALID_ARGUMENT", remoteType: type, retryable: false });
    expect((e as Error).message).toContain(says);
  });
});

describe("a worker without a land", () => {
  it("fails an output over its limit, saying it has no land to move it to", async () => {
    const e = await bare.client.invoke("text", 3 * LIMIT).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "RESOURCE_EXHAUSTED", retryable: false });
    expect((e as Error).message).toContain("no land to move it to (QB_LAND is not set)");
    expect(readdirSync(bare.dir)).not.toContain("values");
  });
});

// a spilled file is written whole or not at all (temporary file, then rename)
it("leaves no temporary file beside a spilled value", async () => {
  await w.client.invoke("text", 4 * LIMIT);
  expect(readdirSync(join(w.land, "values")).filter((f) => !f.endsWith(".json"))).toEqual([]);
});
