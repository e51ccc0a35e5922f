/**
 * JavaScript callers have no type check on CallError's code: one the protocol does not know
 * (a typo, lower case) became a bare INTERNAL with the method's message, hiding the mistake.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import { RemoteCallError } from "../client/errors.js";
import { CallError } from "./errors.js";
import type { ErrorCode } from "../proto/error-codes.js";

let w: TestWorker;
beforeAll(async () => {
  w = await serveForTest({ typo: () => Promise.reject(new CallError("failed" as ErrorCode, "disk full")) });
});
afterAll(() => w.close());

describe("a CallError with a code the protocol does not know", () => {
  it("is answered INTERNAL, not retryable, with a message naming the bad code, the known codes and the method's message", async () => {
    const e = (await w.client.invoke("typo", null).catch((x: unknown) => x)) as RemoteCallError;
    expect(e).toBeInstanceOf(RemoteCallError);
    expect(e.code).toBe("INTERNAL");
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/unknown error code "failed".*FAILED, UNKNOWN_METHOD.*disk full/);
  });
});
