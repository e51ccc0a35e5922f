/** A method that throws, rejects or returns garbage gives a typed error result; the worker goes on. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import { RemoteCallError } from "../client/errors.js";
import { CallError, InvalidArgumentError } from "./errors.js";

let served = 0;
const methods = {
  ok: () => ++served,
  syncThrow: () => {
    throw new TypeError("sync boom");
  },
  asyncReject: async () => {
    await new Promise((r) => setTimeout(r, 1));
    throw new RangeError("async boom");
  },
  throwString: () => {
    throw "just a string";
  },
  throwNonRetryable: () => {
    throw Object.assign(new Error("do not retry me"), { retryable: false });
  },
  throwInvalid: () => {
    throw new InvalidArgumentError("n must be positive");
  },
  throwWithCause: () => {
    throw new Error("outer", { cause: new Error("inner cause") });
  },
  throwCallError: () => {
    throw new CallError("UNAVAILABLE", "database is down");
  },
  returnBigInt: () => 10n,
  returnCircular: () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    return o;
  },
  returnUndefined: () => undefined,
  returnFunction: () => () => 1,
};

let w: TestWorker;
beforeAll(async () => {
  w = await serveForTest(methods);
});
afterAll(() => w.close());

async function errorOf(method: string): Promise<RemoteCallError> {
  const e = await w.client.invoke(method, null).catch((x: unknown) => x);
  if (!(e instanceof RemoteCallError)) throw new Error(`${method}: expected an error result, got ${String(e)}`);
  return e;
}

describe("a crashing method does not take the worker down", () => {
  it.each([
    ["syncThrow", "FAILED", "TypeError", "sync boom", true],
    ["asyncReject", "FAILED", "RangeError", "async boom", true],
    ["throwString", "FAILED", "string", "just a string", true],
    ["throwNonRetryable", "FAILED", "Error", "do not retry me", false],
    ["throwInvalid", "INVALID_ARGUMENT", "InvalidArgumentError", "n must be positive", false],
    ["throwCallError", "UNAVAILABLE", "CallError", "database is down", true],
  ] as const)("%s → error %s (%s) with its message; the next call is served", async (method, code, type, message, retryable) => {
    const before = served;
    const e = await errorOf(method);
    expect(e.code).toBe(code);
    expect(e.remoteType).toBe(type);
    expect(e.message).toBe(message);
    expect(e.retryable).toBe(retryable);
    await expect(w.client.invoke("ok", null)).resolves.toBe(before + 1);
  });

  it("the error's details carry the stack, and the cause's", async () => {
    const e = await errorOf("throwWithCause");
    expect(e.details).toMatch(/^Error: outer\n\s+at /);
    expect(e.details).toMatch(/caused by: Error: inner cause\n\s+at /);
    const t = await errorOf("syncThrow");
    expect(t.details).toMatch(/crash\.test\.ts/);
  });

  it.each([
    ["returnBigInt", "FAILED", /not JSON/],
    ["returnCircular", "FAILED", /not JSON/],
    ["returnFunction", "FAILED", /not JSON/],
    // an output over the message limit is not among them: it goes to the land (spilled-values.test.ts)
  ] as const)("%s → %s, not retryable (the output cannot be sent)", async (method, code, message) => {
    const e = await errorOf(method);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.retryable).toBe(false);
  });

  it("returning nothing is JSON null", async () => {
    await expect(w.client.invoke("returnUndefined", null)).resolves.toBeNull();
  });

  it("the same over Session, interleaved with good calls on one stream", async () => {
    const s = w.client.session();
    const before = served;
    const calls = ["syncThrow", "ok", "asyncReject", "ok", "returnCircular", "ok"].map((m) =>
      s.start(m, null).result.then(
        (v) => ["ok", v],
        (e: RemoteCallError) => [e.code, e.message],
      ),
    );
    const out = await Promise.all(calls);
    expect(out.map((o) => o[0])).toEqual(["FAILED", "ok", "FAILED", "ok", "FAILED", "ok"]);
    expect(out.filter((o) => o[0] === "ok").map((o) => o[1])).toEqual([before + 1, before + 2, before + 3]);
    s.cancel();
  });

  it("after all of that the worker is healthy and has nothing in flight", async () => {
    await expect(w.client.health()).resolves.toBe("SERVING");
    expect(w.server.inFlight()).toBe(0);
  });
});
