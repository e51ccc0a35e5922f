/**
 * The Python library builds its messages from descriptors by hand (no protoc); they must
 * match worker.proto and health.proto field for field.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { xxhash128 } from "hash-wasm";
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

describe("qb_worker.py reads land files by the writer's stamp as the TypeScript SDK does", () => {
  it.skipIf(!pythonReady)("a spilled value left as written is not hashed again; one written to in place, or asked for, is", async () => {
    const script = `
import json, os, sys, tempfile, time
sys.path.insert(0, 'examples/workers/python')
import qb_worker as q
land = tempfile.mkdtemp()
ref = q._spill('{"x": 1}', land)
st = os.stat(os.path.join(land, *ref.path.split('/')))
out = {"stamp_ok": ref.stamp == f"{st.st_ino}-{st.st_mtime_ns}", "sha256": ref.sha256, "xxh128": ref.xxh128}
wrong = q.LandRef(ref.path, ref.size, "", ref.media_type, ref.stamp, "0" * 32)
def outcome(f):
    try:
        return f().decode()
    except q.InvalidArgument as e:
        return "refused: " + str(e)
out["stamped"] = outcome(lambda: q._read_checked(land, wrong, "v"))
out["asked"] = outcome(lambda: q._read_checked(land, wrong, "v", check_hash=True))
out["unstamped"] = outcome(lambda: q._read_checked(land, q.LandRef(ref.path, ref.size, "", ref.media_type, "", "0" * 32), "v"))
out["unstamped_sha256"] = outcome(lambda: q._read_checked(land, q.LandRef(ref.path, ref.size, "0" * 64, ref.media_type), "v"))
out["no_hash"] = outcome(lambda: q._read_checked(land, q.LandRef(ref.path, ref.size, "", ref.media_type), "v"))
out["no_hash_stamped"] = outcome(lambda: q._read_checked(land, q.LandRef(ref.path, ref.size, "", ref.media_type, ref.stamp), "v"))
time.sleep(0.03)
with open(os.path.join(land, *ref.path.split('/')), "r+b") as f:
    f.write(b'{"x": 2}')
out["changed"] = outcome(lambda: q._read_checked(land, ref, "v"))
print(json.dumps(out))
`;
    const out = JSON.parse(execFileSync(PYTHON, ["-B", "-c", script], { cwd: ROOT, encoding: "utf8" })) as Record<string, string | boolean>;
    expect(out.stamp_ok).toBe(true);
    // the same XXH128 as the TypeScript SDK's (hash-wasm) for the same bytes
    expect(out).toMatchObject({ sha256: "", xxh128: await xxhash128('{"x": 1}') });
    expect(out.stamped).toBe('{"x": 1}');
    expect(out.asked).toMatch(/^refused: .*xxh128 is /);
    expect(out.unstamped).toMatch(/^refused: .*xxh128 is /);
    expect(out.unstamped_sha256).toMatch(/^refused: .*sha256 is /);
    expect(out.no_hash).toMatch(/^refused: .*carries no hash \(sha256 or xxh128\)/);
    expect(out.no_hash_stamped).toMatch(/^refused: .*carries no hash/);
    expect(out.changed).toMatch(/^refused: .*xxh128 is /);
  });

  it.skipIf(!pythonReady)("without the xxhash package it writes SHA-256, and says what is missing when it must check an XXH128", () => {
    const script = `
import json, sys, tempfile
sys.modules["xxhash"] = None  # as if python3-xxhash were not installed
sys.path.insert(0, 'examples/workers/python')
import qb_worker as q
land = tempfile.mkdtemp()
ref = q._spill('{"x": 1}', land)
out = {"sha256": ref.sha256, "xxh128": ref.xxh128, "read": q._read_checked(land, ref, "v", check_hash=True).decode()}
try:
    q._read_checked(land, q.LandRef(ref.path, ref.size, "", ref.media_type, "", "0" * 32), "v")
except q.CallFailure as e:
    out["xxh128_only"] = str(e)
# both hashes: the SHA-256 it can check is checked
out["both"] = q._read_checked(land, q.LandRef(ref.path, ref.size, ref.sha256, ref.media_type, "", "0" * 32), "v").decode()
try:
    q._read_checked(land, q.LandRef(ref.path, ref.size, "0" * 64, ref.media_type, "", "0" * 32), "v")
except q.InvalidArgument as e:
    out["both_wrong"] = str(e)
print(json.dumps(out))
`;
    const out = JSON.parse(execFileSync(PYTHON, ["-B", "-c", script], { cwd: ROOT, encoding: "utf8" })) as Record<string, string>;
    expect(out.sha256).toBe(createHash("sha256").update('{"x": 1}').digest("hex"));
    expect(out.xxh128).toBe("");
    expect(out.read).toBe('{"x": 1}');
    expect(out.xxh128_only).toContain("the Python package xxhash is missing (Debian: python3-xxhash");
    expect(out.both).toBe('{"x": 1}');
    expect(out.both_wrong).toContain("sha256 is ");
  });
});
