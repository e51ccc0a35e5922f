/** The worker's fast Session codec against the generic one: the same objects, the same bytes. */
import type { MethodDefinition } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { loadProtos } from "./load.js";
import type { SessionInMsg, SessionOutMsg } from "./messages.js";
import { decodeInBatch, decodeStart, encodeResult } from "./worker-session-codec.js";

const generic = loadProtos().worker.Session as MethodDefinition<SessionInMsg, SessionOutMsg>;
const fast = loadProtos().workerServer.Session as MethodDefinition<SessionInMsg, SessionOutMsg>;
const inBytes = (m: SessionInMsg): Buffer => generic.requestSerialize(m);
const outBytes = (m: SessionOutMsg): Buffer => generic.responseSerialize(m);
const start = (callId: string, json: string, timeoutMs = 0, attempt = 1, method = "noop"): SessionInMsg => ({
  callId,
  start: { method, input: { json }, timeoutMs, attempt },
});
const same = (a: unknown, b: unknown): void => {
  expect(a).toEqual(b);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
};

describe("the worker's fast Session codec", () => {
  const starts = [
    start("c1", "1"),
    start("", "null", 0, 0, ""),
    start("c😀", JSON.stringify({ s: "héllo ✓", a: [1, 2.5, null] }), 30_000, 3, "méthode"),
    start("c2", JSON.stringify("x".repeat(70_000)), 2 ** 40 + 7, 0xffffffff),
    start("c3", "2", 127, 128),
  ];

  it("reads a start as the generic decoder does", () => {
    for (const m of starts) same(decodeStart(inBytes(m)), generic.requestDeserialize(inBytes(m)));
    // fields left out (an encoder that skips defaults): defaults, as the generic decoder gives
    const bare = Buffer.from([0x12, 0x05, 0x12, 0x03, 0x0a, 0x01, 0x37]); // start { input { json: "7" } }
    same(decodeStart(bare), generic.requestDeserialize(bare));
  });

  it("leaves every other message to the generic decoder", () => {
    const land = { path: "a", size: 1, sha256: "00", mediaType: "x" };
    const others: Buffer[] = [
      inBytes({ callId: "c", cancel: { reason: "r" } }),
      inBytes({ callId: "c", signal: { name: "s", value: { json: "1" }, end: false } }),
      inBytes({ callId: "c", start: { method: "m", input: { land }, timeoutMs: 0, attempt: 1 } }),
      inBytes({ callId: "c", start: { method: "m", input: null, timeoutMs: 0, attempt: 1 } }),
      inBytes({ callId: "", batch: [start("a", "1")] }),
      Buffer.concat([inBytes(start("a", "1")), inBytes(start("b", "2"))]), // fields twice
      inBytes(start("c", "123")).subarray(0, 8), // truncated
      Buffer.alloc(0),
    ];
    for (const b of others) expect(decodeStart(b)).toBeUndefined();
  });

  it("reads a batched frame as the generic decoder does, with or without the empty call id", () => {
    const frame: SessionInMsg = { callId: "", batch: [...starts, { callId: "c9", cancel: { reason: "r" } }] };
    const bytes = inBytes(frame);
    same(fast.requestDeserialize(bytes), generic.requestDeserialize(bytes));
    // an encoder that leaves out the empty call id (protobuf's own, Python's) starts at the batch
    expect([...bytes.subarray(0, 2)]).toEqual([0x0a, 0]);
    same(fast.requestDeserialize(bytes.subarray(2)), generic.requestDeserialize(bytes.subarray(2)));
    expect(decodeInBatch(bytes.subarray(0, bytes.length - 1), () => ({ callId: "" }))).toBeUndefined();
  });

  it("writes a JSON result, and a batched frame, exactly as the generic encoder does", () => {
    const results: SessionOutMsg[] = [
      { callId: "c1", result: { json: "1" }, workerMs: 0.25 },
      { callId: "c2", result: { json: JSON.stringify({ s: "é😀" }) }, workerMs: 0 },
      { callId: "", result: { json: "" } },
      { callId: "c3", result: { json: "y".repeat(20_000) }, workerMs: 12 },
    ];
    for (const m of results) expect(encodeResult(m)!.equals(outBytes(m))).toBe(true);
    const error: SessionOutMsg = { callId: "c4", error: { code: "ERROR_CODE_FAILED", message: "x", details: "", retryable: true, type: "Error" } };
    for (const m of [
      error,
      { callId: "c", progress: { fraction: 0.5, message: "" } },
      { callId: "c", result: { land: { path: "a", size: 1, sha256: "0", mediaType: "x" } } },
    ])
      expect(encodeResult(m)).toBeUndefined();
    const frame: SessionOutMsg = { callId: "", batch: [...results, error] };
    expect((fast.responseSerialize(frame) as Buffer).equals(outBytes(frame))).toBe(true);
    // and the caller reads it back, message by message
    expect((generic.responseDeserialize(fast.responseSerialize(frame)) as SessionOutMsg).batch!.map((m) => m.callId)).toEqual(["c1", "c2", "", "c3", "c4"]);
  });
});
