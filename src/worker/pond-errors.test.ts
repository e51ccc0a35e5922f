/**
 * A pond query the quarterback refuses (bad SQL or parameters, a run without a pond) fails
 * the same way every time: its call must not be retried (`retry N` would only repeat it). A
 * quarterback that is not reachable may come back: that stays retryable.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import { serveCallback, type CallbackServer } from "../proto/callback-server.js";
import { PondRequestError } from "../proto/pond-request-error.js";
import { RemoteCallError } from "../client/errors.js";
import { PondQueryError } from "./pond-client.js";
import type { CallContext } from "./types.js";

const methods = {
  query: (input: { sql: string }, ctx: CallContext) => ctx.pond.query(input.sql),
  caught: async (input: { sql: string }, ctx: CallContext) => {
    const e = await ctx.pond.query(input.sql).catch((x: unknown) => x);
    return { isPondQueryError: e instanceof PondQueryError, retryable: (e as PondQueryError).retryable };
  },
};

let withPond: CallbackServer;
let noPond: CallbackServer;
let a: TestWorker;
let b: TestWorker;
beforeAll(async () => {
  withPond = await serveCallback({
    report: () => ({ runCancelled: false }),
    pondQuery: async function* (q) {
      if (q.sql !== "SELECT 1") throw new PondRequestError(`syntax error at ${JSON.stringify(q.sql)}`, "invalid");
      yield [{ one: 1 }];
    },
  });
  noPond = await serveCallback({ report: () => ({ runCancelled: false }) });
  a = await serveForTest(methods, { callback: withPond.address });
  b = await serveForTest(methods, { callback: noPond.address });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await withPond.close();
  await noPond.close();
});

async function errorOf(w: TestWorker, sql: string): Promise<RemoteCallError> {
  const e = await w.client.invoke("query", { sql }).catch((x: unknown) => x);
  if (!(e instanceof RemoteCallError)) throw new Error(`expected an error result, got ${String(e)}`);
  return e;
}

describe("pond query errors in a method", () => {
  it("bad SQL fails the call as not retryable, with the pond's message", async () => {
    await expect(a.client.invoke("query", { sql: "SELECT 1" })).resolves.toEqual([{ one: 1 }]);
    const e = await errorOf(a, "SELEC 1");
    expect(e.remoteType).toBe("PondQueryError");
    expect(e.message).toMatch(/syntax error at "SELEC 1"/);
    expect(e.retryable).toBe(false);
  });

  it("a run without a pond fails the call as not retryable", async () => {
    const e = await errorOf(b, "SELECT 1");
    expect(e.message).toMatch(/no pond/);
    expect(e.retryable).toBe(false);
  });

  it("a method that catches the error sees a PondQueryError with its retryable flag", async () => {
    await expect(a.client.invoke("caught", { sql: "nope" })).resolves.toEqual({ isPondQueryError: true, retryable: false });
  });
});
