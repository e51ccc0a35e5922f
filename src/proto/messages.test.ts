/**
 * The hand-written message types (messages.ts) against worker.proto: every field of every
 * message, by name, and a round trip through the loaded definitions.
 */
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, fromWireCode, toWireCode } from "./error-codes.js";
import { LOADER_OPTIONS, loadProtos } from "./load.js";
import type * as M from "./messages.js";
import { WORKER_PROTO } from "./paths.js";

const def = protoLoader.loadSync(WORKER_PROTO, LOADER_OPTIONS);

interface Descriptor {
  field: Array<{ name: string; number: number }>;
  value?: Array<{ name: string }>;
}

function fieldsOf(name: string): string[] {
  const d = (def[`quarterback.v1.${name}`] as { type: Descriptor }).type;
  // proto-loader gives proto field names; the objects use camelCase
  return d.field.map((f) => f.name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())).sort();
}

// One complete object per message type: the compiler checks each against messages.ts, and the
// test checks its keys against the .proto, so the two cannot drift apart.
const samples: Record<string, object> = {
  Value: { json: "1", land: null } satisfies Required<Omit<M.ValueMsg, "kind">>,
  LandRef: { path: "a", size: 1, sha256: "00", mediaType: "text/csv", stamp: "1-2", xxh128: "01" } satisfies Required<M.LandRefMsg>,
  CallError: { code: "ERROR_CODE_FAILED", message: "m", details: "d", retryable: true, type: "Error" } satisfies Required<M.CallErrorMsg>,
  Input: { method: "m", input: null, callId: "c", attempt: 1 } satisfies Required<M.InputMsg>,
  Output: { result: null, error: null, workerMs: 0 } satisfies Required<Omit<M.OutputMsg, "outcome">>,
  DescribeResponse: {
    name: "n",
    version: "v",
    methods: [],
    maxConcurrentCalls: 1,
    session: true,
    maxMessageBytes: 1,
    sdk: "s",
    readsSpilledValues: true,
    sessionBatches: true,
  } satisfies Required<M.DescribeResponseMsg>,
  MethodInfo: { name: "n", held: false, description: "d" } satisfies Required<M.MethodInfoMsg>,
  SessionIn: { callId: "c", start: null, signal: null, cancel: null, batch: [] } satisfies Required<Omit<M.SessionInMsg, "msg">>,
  Start: { method: "m", input: null, timeoutMs: 0, attempt: 1 } satisfies Required<M.StartMsg>,
  Signal: { name: "n", value: null, end: false } satisfies Required<M.SignalMsg>,
  Cancel: { reason: "r" } satisfies Required<M.CancelMsg>,
  SessionOut: { callId: "c", progress: null, yielded: null, awaiting: null, result: null, error: null, workerMs: 0, batch: [] } satisfies Required<
    Omit<M.SessionOutMsg, "msg">
  >,
  Progress: { fraction: 0.5, message: "m" } satisfies Required<M.ProgressMsg>,
  Yielded: { value: null, round: 0 } satisfies Required<M.YieldedMsg>,
  Awaiting: { signal: "s", round: 2, taken: 1 } satisfies Required<M.AwaitingMsg>,
  ReportRequest: {
    kind: "REPORT_KIND_ERROR",
    message: "m",
    fatal: true,
    callId: "c",
    worker: "w",
    replica: 0,
    fraction: 0,
    details: "",
  } satisfies Required<M.ReportRequestMsg>,
  ReportReply: { runCancelled: false } satisfies Required<M.ReportReplyMsg>,
  PondQueryRequest: { sql: "SELECT 1", paramsJson: "{}", batchSize: 0, callId: "c", worker: "w", replica: 0 } satisfies Required<M.PondQueryRequestMsg>,
  PondRows: { rowsJson: "[]" } satisfies Required<M.PondRowsMsg>,
  PondColumnsReply: {
    file: { path: "pond/columns-1.arrow", size: 10, sha256: "00", mediaType: "application/vnd.apache.arrow.file" },
    rows: 3,
  } satisfies Required<M.PondColumnsReplyMsg>,
};

describe("messages.ts matches worker.proto", () => {
  it("covers every message of the proto", () => {
    const messages = Object.keys(def)
      .filter((k) => k.startsWith("quarterback.v1.") && "type" in (def[k] as object) && Array.isArray((def[k] as { type: Descriptor }).type.field))
      .map((k) => k.slice("quarterback.v1.".length))
      .filter((k) => k !== "DescribeRequest");
    expect(Object.keys(samples).sort()).toEqual(messages.sort());
  });

  it.each(Object.keys(samples))("%s has exactly the proto's fields", (name) => {
    expect(Object.keys(samples[name]!).sort()).toEqual(fieldsOf(name));
  });

  it("every ErrorCode of the proto is in ERROR_CODES and back", () => {
    const values = ((def["quarterback.v1.ErrorCode"] as { type: Descriptor }).type.value ?? [])
      .map((v) => v.name)
      .filter((n) => n !== "ERROR_CODE_UNSPECIFIED");
    expect(ERROR_CODES.map(toWireCode)).toEqual(values);
    for (const c of ERROR_CODES) expect(fromWireCode(toWireCode(c))).toBe(c);
    expect(fromWireCode("ERROR_CODE_UNSPECIFIED")).toBe("INTERNAL");
  });

  it("round-trips SessionOut through the loaded definitions, with the oneof member named", () => {
    const session = (loadProtos().worker as unknown as Record<string, { responseSerialize(v: unknown): Buffer; responseDeserialize(b: Buffer): unknown }>)
      .Session!;
    const msg: M.SessionOutMsg = { callId: "c1", yielded: { value: { json: "[1,2]" }, round: 3 } };
    expect(session.responseDeserialize(session.responseSerialize(msg))).toEqual({
      batch: [],
      callId: "c1",
      yielded: { value: { json: "[1,2]", kind: "json" }, round: 3 },
      workerMs: 0,
      msg: "yielded",
    });
  });
});
