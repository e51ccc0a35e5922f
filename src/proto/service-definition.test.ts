/**
 * Our service definitions against @grpc/proto-loader's, which they replace at run time:
 * the same methods, paths and stream flags, the same bytes written and the same objects read.
 */
import type { MethodDefinition } from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { LOADER_OPTIONS } from "./load.js";
import { HEALTH_PROTO, PROTO_ROOT, WORKER_PROTO } from "./paths.js";
import { parseProtos, serviceDefinition } from "./service-definition.js";

type Method = MethodDefinition<object, object>;
const reference = protoLoader.loadSync([WORKER_PROTO, HEALTH_PROTO], LOADER_OPTIONS);
const root = parseProtos([WORKER_PROTO, HEALTH_PROTO], PROTO_ROOT);

const value = { json: "[1,2]" };
const land = { path: "runs/x/a.arrow", size: 12, sha256: "ab", mediaType: "application/vnd.apache.arrow.file" };
const error = { code: "ERROR_CODE_TIMEOUT", message: "late", details: "{}", retryable: true, type: "TimeoutError" };

/** Requests and responses of every method, covering each oneof member, enums, repeated fields and 64-bit numbers. */
const samples: Record<string, { requests: object[]; responses: object[] }> = {
  "quarterback.v1.Worker/Invoke": {
    requests: [{ method: "sq", input: value, callId: "c1", attempt: 2 }, { method: "m", input: { land } }, {}],
    responses: [{ result: value }, { error }, { result: { land } }, {}],
  },
  "quarterback.v1.Worker/Describe": {
    requests: [{}],
    responses: [
      {
        name: "w",
        version: "1",
        methods: [{ name: "a", held: true, description: "d" }, { name: "b" }],
        maxConcurrentCalls: 4,
        session: true,
        maxMessageBytes: 4 << 20,
        sdk: "ts",
      },
    ],
  },
  "quarterback.v1.Worker/Session": {
    requests: [
      { callId: "c", start: { method: "m", input: value, timeoutMs: 2 ** 40, attempt: 1 } },
      { callId: "c", signal: { name: "next", value, end: true } },
      { callId: "c", cancel: { reason: "stop" } },
    ],
    responses: [
      { callId: "c", progress: { fraction: 0.25, message: "a" } },
      { callId: "c", yielded: { value, round: 3 } },
      { callId: "c", awaiting: { signal: "next" } },
      { callId: "c", result: { land } },
      { callId: "c", error },
    ],
  },
  "quarterback.v1.Quarterback/Report": {
    requests: [{ kind: "REPORT_KIND_ERROR", message: "m", fatal: true, callId: "c", worker: "w", replica: 1, fraction: 0.5, details: "x" }],
    responses: [{ runCancelled: true }, {}],
  },
  "quarterback.v1.Quarterback/PondQuery": {
    requests: [{ sql: "SELECT 1", paramsJson: "[]", batchSize: 100, callId: "c", worker: "w", replica: 0 }],
    responses: [{ rowsJson: "[[1]]" }],
  },
  "quarterback.v1.Quarterback/PondColumns": {
    requests: [{ sql: "SELECT 1", paramsJson: "{}", batchSize: 0, callId: "c", worker: "w", replica: 0 }],
    responses: [{ file: { path: "pond/columns-1.arrow", size: 10, sha256: "00", mediaType: "application/vnd.apache.arrow.file" }, rows: 3 }],
  },
  "grpc.health.v1.Health/Check": {
    requests: [{ service: "" }, { service: "quarterback.v1.Worker" }],
    responses: [{ status: "SERVING" }, { status: "SERVICE_UNKNOWN" }],
  },
  "grpc.health.v1.Health/Watch": { requests: [{ service: "x" }], responses: [{ status: "NOT_SERVING" }] },
  "grpc.health.v1.Health/List": { requests: [{}], responses: [{ statuses: { "": { status: "SERVING" }, w: { status: "NOT_SERVING" } } }] },
};

const services = ["quarterback.v1.Worker", "quarterback.v1.Quarterback", "grpc.health.v1.Health"];

describe("serviceDefinition against proto-loader", () => {
  it.each(services)("%s has the same methods, paths, stream flags and client names", (name) => {
    const ours = serviceDefinition(root, name) as Record<string, Method>;
    const theirs = reference[name] as Record<string, Method>;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    for (const [method, def] of Object.entries(theirs)) {
      const { path, requestStream, responseStream, originalName } = ours[method]!;
      expect({ path, requestStream, responseStream, originalName }).toEqual({
        path: def.path,
        requestStream: def.requestStream,
        responseStream: def.responseStream,
        originalName: def.originalName,
      });
    }
  });

  it("every method has samples", () => {
    const all = services.flatMap((s) => Object.values(reference[s] as Record<string, Method>).map((m) => m.path.slice(1)));
    expect(Object.keys(samples).sort()).toEqual(all.sort());
  });

  it.each(Object.keys(samples))("%s writes the same bytes and reads the same objects", (path) => {
    const [service, method] = path.split("/") as [string, string];
    const ours = (serviceDefinition(root, service) as Record<string, Method>)[method]!;
    const theirs = (reference[service] as Record<string, Method>)[method]!;
    const { requests, responses } = samples[path]!;
    for (const [message, write, read, refWrite, refRead] of [
      ...requests.map((m) => [m, ours.requestSerialize, ours.requestDeserialize, theirs.requestSerialize, theirs.requestDeserialize] as const),
      ...responses.map((m) => [m, ours.responseSerialize, ours.responseDeserialize, theirs.responseSerialize, theirs.responseDeserialize] as const),
    ]) {
      const bytes = write(message);
      expect(Buffer.isBuffer(bytes)).toBe(true);
      expect(bytes.equals(refWrite(message))).toBe(true);
      expect(read(bytes)).toEqual(refRead(bytes));
    }
  });

  it("refuses an array where a message belongs, naming the message", () => {
    const invoke = (serviceDefinition(root, "quarterback.v1.Worker") as Record<string, Method>).Invoke!;
    expect(() => invoke.requestSerialize([] as unknown as object)).toThrow(/quarterback\.v1\.Input/);
  });
});
