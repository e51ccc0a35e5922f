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
import type { FlowIR } from "../ir/types.js";
import type { SessionInMsg, SessionOutMsg } from "../proto/messages.js";
import { loadProtos } from "../proto/load.js";
import { LocalPod } from "./local-pod.js";

const MIB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "qb-limit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A worker that declares `declared` bytes and answers every call with a string of `size` characters. */
async function bareWorker(address: string, declared: number, size: number, session: boolean): Promise<grpc.Server> {
  const protos = loadProtos();
  const server = new grpc.Server({ "grpc.max_send_message_length": -1 });
  const big = JSON.stringify("x".repeat(size));
  server.addService(protos.health, { Check: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { status: "SERVING" }) });
  server.addService(protos.worker, {
    Describe: (_c: unknown, cb: grpc.sendUnaryData<unknown>) =>
      cb(null, {
        name: "big",
        version: "1",
        methods: [{ name: "big", held: false, description: "" }],
        maxConcurrentCalls: 8,
        session,
        maxMessageBytes: declared,
        sdk: "bare",
      }),
    Invoke: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { result: { json: big } }),
    Session: (stream: grpc.ServerDuplexStream<SessionInMsg, SessionOutMsg>) => {
      stream.on("data", (m: SessionInMsg) => {
        if (m.start) stream.write({ callId: m.callId, result: { json: big } });
      });
      stream.on("end", () => stream.end());
    },
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return server;
}

function flowAt(address: string): FlowIR {
  const loc = { line: 1, col: 1, endLine: 1, endCol: 1 };
  return {
    version: 1,
    flow: "limit",
    file: "limit.flow",
    params: [],
    workers: [{ name: "big", at: [address], replicas: 1, env: {}, loc }],
    steps: [
      {
        name: "s",
        source: { kind: "list", items: [1] },
        stages: [
          {
            kind: "call",
            worker: "big",
            method: "big",
            input: null,
            hold: false,
            options: { parallel: null, timeoutMs: null, retries: 0, backoffMs: 0, ordered: false, onError: "fail" },
            loc,
          },
        ],
        held: false,
        loc,
      },
    ],
    signals: [],
    sinks: [],
  };
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
    const server = await bareWorker(address, MIB, 2 * MIB, session);
    const pod = await LocalPod.start(flowAt(address), {
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
