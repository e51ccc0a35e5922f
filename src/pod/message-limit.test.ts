/**
 * The message limit the two sides agree on is enforced on what a worker answers: a worker
 * that declares 1 MiB in Describe and still sends 2 MiB has its call failed with an error
 * that says what to do, over Session and over Invoke. The worker here is a bare grpc-js
 * server (the SDK would refuse to send over its own limit).
 */
import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { overLimit } from "../client/message-limit.js";
import type { SessionInMsg } from "../proto/messages.js";
import { attachedFlow, oneMethodDescribe, serveBareWorker } from "../../test/support/bare-worker.js";
import { LocalPod } from "./local-pod.js";

const MIB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "qb-limit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A worker that declares `declared` bytes and answers every call with a string of `size` characters. */
function bigWorker(address: string, declared: number, size: number, session: boolean): Promise<grpc.Server> {
  const big = JSON.stringify("x".repeat(size));
  return serveBareWorker(address, {
    describe: oneMethodDescribe("big", "big", { maxConcurrentCalls: 8, session, maxMessageBytes: declared }),
    invoke: (_input, cb) => cb(null, { result: { json: big } }),
    session: (stream) => {
      stream.on("data", (m: SessionInMsg) => {
        if (m.start) stream.write({ callId: m.callId, result: { json: big } });
      });
      stream.on("end", () => stream.end());
    },
  });
}

describe("the message limit", () => {
  it("measures the JSON's UTF-8 bytes only when it could be over", () => {
    expect(overLimit({ json: "x".repeat(10) }, 100)).toBeUndefined();
    expect(overLimit({ json: "x".repeat(101) }, 100)).toBe(101);
    expect(overLimit({ json: "é".repeat(60) }, 100)).toBe(120);
    expect(overLimit({ json: "é".repeat(40) }, 100)).toBeUndefined();
    expect(overLimit({ json: "x".repeat(1000) }, undefined)).toBeUndefined();
    expect(overLimit(null, 1)).toBeUndefined();
  });

  it.each([
    ["Session", true],
    ["Invoke", false],
  ])("fails a call whose answer is over what the worker declared (%s)", async (_name, session) => {
    const address = `unix:${join(dir, `w-${String(session)}.sock`)}`;
    const server = await bigWorker(address, MIB, 2 * MIB, session);
    const pod = await LocalPod.start(attachedFlow(address, "big", "big", { kind: "list", items: [1] }), {
      runDir: join(dir, `run-${String(session)}`),
      land: dir,
      cwd: dir,
      socketDir: join(dir, `s-${String(session)}`),
    });
    try {
      const err = await pod
        .call({ worker: "big", method: "big", input: 1, attempt: 1, timeoutMs: null, signal: new AbortController().signal })
        .catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/the answer of big is 2097154 bytes, over the 1048576-byte message limit.*land reference/);
      expect((err as { retryable?: boolean }).retryable).toBe(false);
    } finally {
      await pod.close();
      server.forceShutdown();
    }
  });
});
