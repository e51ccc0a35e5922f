/**
 * The Python library builds its messages from descriptors by hand (no protoc); they must
 * match worker.proto and health.proto field for field.
 */
import { execFileSync } from "node:child_process";
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { HEALTH_PROTO, WORKER_PROTO } from "../src/proto/paths.js";
import { PYTHON, ROOT, pythonReady, warnPythonSkipped } from "./worker-fixtures/helpers.js";

interface Field {
  name: string;
  number: number;
  type: string;
}

describe("examples/workers/python/qb_worker.py", () => {
  warnPythonSkipped("the Python descriptors check");
  it.skipIf(!pythonReady)("declares every field of the messages it uses with the proto's name, number and type", () => {
    const out = execFileSync(
      PYTHON,
      ["-B", "-c", "import json, sys; sys.path.insert(0, 'examples/workers/python'); import qb_worker; print(json.dumps(qb_worker.describe_messages()))"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    const python = JSON.parse(out) as Record<string, Record<string, [number, string]>>;
    const opts = { keepCase: true };
    const defs = { ...protoLoader.loadSync(WORKER_PROTO, opts), ...protoLoader.loadSync(HEALTH_PROTO, opts) };
    const worker = ["LandRef", "Value", "CallError", "Input", "Output", "DescribeRequest", "DescribeResponse", "MethodInfo"];
    const session = ["SessionIn", "Start", "Signal", "Cancel", "SessionOut", "Progress", "Yielded", "Awaiting"];
    const callback = ["PondQueryRequest", "PondRows", "PondColumnsReply"];
    expect(Object.keys(python).sort()).toEqual(
      [
        ...[...worker, ...session, ...callback].map((m) => `quarterback.v1.${m}`),
        "grpc.health.v1.HealthCheckRequest",
        "grpc.health.v1.HealthCheckResponse",
      ].sort(),
    );
    for (const [message, fields] of Object.entries(python)) {
      const proto = (defs[message] as { type: { field: Field[] } }).type.field;
      expect(fields, message).toEqual(Object.fromEntries(proto.map((f) => [f.name, [f.number, f.type]])));
    }
  });
});
