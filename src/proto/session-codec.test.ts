/** The fast Session codec against proto-loader's generic one: the same bytes, the same objects. */
import type { MethodDefinition } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { loadProtos } from "./load.js";
import type { SessionInMsg, SessionOutMsg } from "./messages.js";
import { decodeBatch, decodeResult, encodeStart } from "./session-codec.js";

const generic = loadProtos().worker.Session as MethodDefinition<SessionInMsg, SessionOutMsg>;
const serialize = (m: SessionInMsg): Buffer => generic.requestSerialize(m);
const outBytes = (m: Partial<SessionOutMsg> & { callId: string }): Buffer => generic.responseSerialize(m as SessionOutMsg);

const start = (callId: string, json: string, timeoutMs = 0, attempt = 1, method = "noop"): SessionInMsg => ({
  callId,
  start: { method, input: { json }, timeoutMs, attempt },
});

describe("encodeStart", () => {
  it("writes exactly the generic encoder's bytes", () => {
    const long = "x".repeat(70_000);
    const cases = [
      start("c1", "1"),
      start("", "null", 0, 0, ""),
      start("c123456789", JSON.stringify({ s: "héllo ✓ 😀", a: [1, 2.5, null] }), 30_000, 3, "méthode"),
      start("c2", JSON.stringify(long), 2 ** 40 + 7, 0xffffffff),
      start("c3", "2", 127, 128),
      start("c4", "3", 16_383, 16_384),
      // around the length below which ASCII is written in JavaScript
      start("c5", JSON.stringify("a".repeat(61))),
      start("c6", JSON.stringify("a".repeat(62))),
      start("c7", JSON.stringify("a".repeat(60) + "é")),
      start("c8", JSON.stringify("\u007f\u0080")),
    ];
    for (const m of cases) expect(encodeStart(m)!.equals(serialize(m))).toBe(true);
    // and they decode to what was sent
    expect(generic.requestDeserialize(encodeStart(cases[2]!)!)).toEqual({
      batch: [],
      ...cases[2],
      start: { ...cases[2]!.start, input: { json: cases[2]!.start!.input!.json, kind: "json" } },
      msg: "start",
    });
  });

  it("leaves every other shape to the generic encoder", () => {
    const land = { path: "a", size: 1, sha256: "00", mediaType: "x" };
    const others: SessionInMsg[] = [
      { callId: "c", cancel: { reason: "r" } },
      { callId: "c", signal: { name: "s", value: { json: "1" }, end: false } },
      { callId: "c", start: { method: "m", input: { land }, timeoutMs: 0, attempt: 1 } },
      { callId: "c", start: { method: "m", input: null, timeoutMs: 0, attempt: 1 } },
      { callId: "c", start: { method: "m", input: { json: "1" }, timeoutMs: -1, attempt: 1 } },
      { callId: "c", start: { method: "m", input: { json: "1" }, timeoutMs: 1.5, attempt: 1 } },
      { callId: "c", start: { method: "m", input: { json: "1" }, timeoutMs: 0, attempt: 2 ** 32 } },
      { callId: "c", start: { method: "m", input: { json: "1" }, timeoutMs: 0, attempt: 1 }, cancel: { reason: "" } },
      { callId: 7 as unknown as string, start: { method: "m", input: { json: "1" }, timeoutMs: 0, attempt: 1 } },
    ];
    for (const m of others) expect(encodeStart(m)).toBeUndefined();
  });
});

describe("decodeResult", () => {
  it("gives exactly the generic decoder's object for a JSON result", () => {
    for (const m of [
      { callId: "c1", result: { json: "1" } },
      { callId: "", result: { json: "" } },
      { callId: "c😀", result: { json: JSON.stringify({ s: "héllo", big: "y".repeat(20_000) }) } },
      // with the time the worker's method ran
      { callId: "c2", result: { json: "[1]" }, workerMs: 12.375 },
      { callId: "c3", result: { json: "2" }, workerMs: 1e-3 },
    ]) {
      const bytes = outBytes(m);
      expect(decodeResult(bytes)).toEqual(generic.responseDeserialize(bytes));
      expect(JSON.stringify(decodeResult(bytes))).toBe(JSON.stringify(generic.responseDeserialize(bytes)));
    }
  });

  it("leaves every other message to the generic decoder", () => {
    const land = { path: "a", size: 1, sha256: "00", mediaType: "x" };
    const others = [
      outBytes({ callId: "c", progress: { fraction: 0.5, message: "m" } }),
      outBytes({ callId: "c", yielded: { value: { json: "1" }, round: 1 } }),
      outBytes({ callId: "c", awaiting: { signal: "s", round: 2, taken: 1 } }),
      outBytes({ callId: "c", error: { code: "ERROR_CODE_FAILED", message: "x", details: "", retryable: false, type: "" } }),
      outBytes({ callId: "c", result: { land } }),
      outBytes({ callId: "c", result: {} }),
      outBytes({ callId: "c" }),
      // a field twice: protobuf merges or keeps the last; the generic decoder knows how
      Buffer.concat([outBytes({ callId: "a", result: { json: "1" } }), outBytes({ callId: "b" })]),
      // truncated
      outBytes({ callId: "c", result: { json: "123" } }).subarray(0, 6),
      outBytes({ callId: "c", result: { json: "123" }, workerMs: 5 }).subarray(0, -1),
      // worker_ms twice
      Buffer.concat([outBytes({ callId: "c", result: { json: "1" }, workerMs: 5 }), Buffer.from([0x39, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f])]),
    ];
    for (const b of others) expect(decodeResult(b)).toBeUndefined();
  });
});

describe("the caller's Worker client", () => {
  it("serves the same service as the generic one, with the fast codec on Session", () => {
    const { WorkerClient, WorkerCallerClient } = loadProtos();
    expect(Object.keys(WorkerCallerClient.service).sort()).toEqual(Object.keys(WorkerClient.service).sort());
    const m = start("c9", "[1,2]", 5, 2);
    const fast = WorkerCallerClient.service.Session!;
    expect((fast.requestSerialize(m) as Buffer).equals(serialize(m))).toBe(true);
    expect(fast.requestSerialize({ callId: "c", cancel: { reason: "r" } })).toEqual(serialize({ callId: "c", cancel: { reason: "r" } }));
    const out = outBytes({ callId: "c", progress: { fraction: 0.25, message: "" } });
    expect(fast.responseDeserialize(out)).toEqual(generic.responseDeserialize(out));
  });
});

describe("batched frames on the caller's side", () => {
  const fast = loadProtos().WorkerCallerClient.service.Session! as MethodDefinition<SessionInMsg, SessionOutMsg>;
  const cancel: SessionInMsg = { callId: "c2", cancel: { reason: "r" } };
  const signal: SessionInMsg = { callId: "c3", signal: { name: "s", value: { json: "[1]" }, end: false } };

  it("writes a batch of starts, signals and cancels exactly as the generic encoder does", () => {
    for (const batch of [[start("c1", "1")], [start("c1", "1"), cancel, start("c4", '"é"', 5, 2), signal], [signal, signal]]) {
      const frame: SessionInMsg = { callId: "", batch };
      expect((fast.requestSerialize(frame) as Buffer).equals(serialize(frame))).toBe(true);
      // and the worker reads each message back, in order
      const read = generic.requestDeserialize(fast.requestSerialize(frame)) as SessionInMsg;
      expect(read.batch!.map((m) => m.callId)).toEqual(batch.map((m) => m.callId));
    }
    // a frame with a message of its own besides its batch goes through the generic encoder whole
    const mixed: SessionInMsg = { ...start("c0", "0"), batch: [cancel] };
    expect((fast.requestSerialize(mixed) as Buffer).equals(serialize(mixed))).toBe(true);
  });

  it("reads a batch of answers as the generic decoder does, results fast and the rest generically", () => {
    const batch: SessionOutMsg[] = [
      { callId: "c1", result: { json: "1" }, workerMs: 2 },
      { callId: "c2", error: { code: "ERROR_CODE_FAILED", message: "x", details: "", retryable: true, type: "Error" } },
      { callId: "c3", progress: { fraction: 0.5, message: "half" } },
      { callId: "c4", result: { json: JSON.stringify({ s: "héllo" }) } },
    ];
    const bytes = outBytes({ callId: "", batch });
    expect(fast.responseDeserialize(bytes)).toEqual(generic.responseDeserialize(bytes));
    expect(JSON.stringify(fast.responseDeserialize(bytes))).toBe(JSON.stringify(generic.responseDeserialize(bytes)));
    expect(decodeBatch(bytes, () => ({ callId: "x" }))!.batch).toHaveLength(4);
    // not only a batch: a frame with a call id of its own, or truncated, is the generic decoder's
    const own = outBytes({ callId: "c9", batch });
    expect(fast.responseDeserialize(own)).toEqual(generic.responseDeserialize(own));
    expect(decodeBatch(bytes.subarray(0, bytes.length - 1), () => ({ callId: "x" }))).toBeUndefined();
    expect(decodeBatch(own, () => ({ callId: "x" }))).toBeUndefined();
  });
});
