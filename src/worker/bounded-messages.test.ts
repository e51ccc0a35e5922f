/**
 * What a method hands the SDK besides its output (a progress message, an error's message and
 * stack) can be of any size: the SDK bounds it, so one call cannot end the Session stream that
 * every other call of the replica shares.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, sleep, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import { RemoteCallError } from "../client/errors.js";
import type { CallContext } from "./types.js";

const huge = "x".repeat(5 * 1024 * 1024);
const methods = {
  loudProgress: async (_i: unknown, ctx: CallContext) => {
    ctx.progress(0.5, huge);
    await sleep(20);
    return "done";
  },
  loudError: () => {
    const e = new Error("é".repeat(5_000));
    e.stack = "é".repeat(100_000);
    throw e;
  },
  slow: async () => {
    await sleep(150);
    return "slow done";
  },
};

describe.each([4 * 1024 * 1024, 4096])("a worker with maxMessageBytes %d", (maxMessageBytes) => {
  let w: TestWorker;
  beforeAll(async () => {
    w = await serveForTest(methods, { maxMessageBytes });
  });
  afterAll(() => w.close());

  it("a huge progress message reaches the caller clipped; the stream and its other calls go on", async () => {
    const s = w.client.session();
    const other = s.start("slow", null);
    const messages: string[] = [];
    const call = s.start("loudProgress", null, { onProgress: (_f, m) => messages.push(m) });
    await expect(call.result).resolves.toBe("done");
    await expect(other.result).resolves.toBe("slow done");
    expect(messages).toHaveLength(1);
    expect(messages[0]!.length).toBeLessThan(maxMessageBytes);
    s.end();
  });

  it("a huge error message and stack come back clipped, over Session and Invoke", async () => {
    const s = w.client.session();
    const other = s.start("slow", null);
    const e = (await s.start("loudError", null).result.catch((x: unknown) => x)) as RemoteCallError;
    expect(e).toBeInstanceOf(RemoteCallError);
    expect(e.code).toBe("FAILED");
    expect(e.message).toMatch(/^éé/);
    await expect(other.result).resolves.toBe("slow done");
    s.end();
    const e2 = (await w.client.invoke("loudError", null).catch((x: unknown) => x)) as RemoteCallError;
    expect(e2).toBeInstanceOf(RemoteCallError);
    expect(e2.details).toMatch(/^éé/);
  });
});
