/** A method may throw anything, even a value that cannot be turned into text: the call still gets its error. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import { RemoteCallError } from "../client/errors.js";

const methods = {
  // JSON.stringify throws (a BigInt) and so does String() (no prototype, no toString)
  throwBare: () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.n = 1n;
    throw o;
  },
  // every property read throws, instanceof too
  throwTrap: () => {
    const trap = () => {
      throw new Error("trap");
    };
    throw new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });
  },
  ok: () => "ok",
};

let w: TestWorker;
beforeAll(async () => {
  w = await serveForTest(methods);
});
afterAll(() => w.close());

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);

describe("a thrown value that cannot be described", () => {
  it.each(["throwBare", "throwTrap"])("%s: answered FAILED over Invoke and Session; the worker goes on", async (method) => {
    const e = await within(
      w.client.invoke(method, null).catch((x: unknown) => x),
      2_000,
    );
    expect(e).toBeInstanceOf(RemoteCallError);
    expect((e as RemoteCallError).code).toBe("FAILED");
    expect((e as RemoteCallError).message).toMatch(/non-error thrown/);
    const s = w.client.session();
    const e2 = await within(
      s.start(method, null).result.catch((x: unknown) => x),
      2_000,
    );
    expect((e2 as RemoteCallError).code).toBe("FAILED");
    s.cancel();
    await expect(w.client.invoke("ok", null)).resolves.toBe("ok");
    expect(w.server.inFlight()).toBe(0);
  });
});
