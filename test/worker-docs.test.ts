/**
 * docs/worker-protocol.md stays complete: every message, field, error code and report kind
 * of worker.proto, every QB_* variable, every conformance method and check is in it, and its
 * minimal Python worker is the tested file, verbatim.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { WORKER_PROTO } from "../src/proto/paths.js";
import { CHECKS } from "../src/conformance/run-conformance.js";
import { conformanceMethods } from "../src/worker/conformance-methods.js";
import { ROOT } from "./worker-fixtures/helpers.js";

const doc = readFileSync(join(ROOT, "docs/worker-protocol.md"), "utf8");
const defs = protoLoader.loadSync(WORKER_PROTO, { keepCase: true });

interface TypeDef {
  type: { field?: Array<{ name: string }>; value?: Array<{ name: string }> };
}

describe("docs/worker-protocol.md", () => {
  const messages = Object.entries(defs).filter(([k, v]) => k.startsWith("quarterback.v1.") && "type" in (v as object)) as Array<[string, TypeDef]>;

  it.each(messages.map(([k]) => k))("documents %s and each of its fields", (name) => {
    const short = name.slice("quarterback.v1.".length);
    expect(doc).toMatch(new RegExp(`\\b(message|enum) ${short}\\b`));
    const t = (defs[name] as unknown as TypeDef).type;
    for (const f of t.field ?? []) expect(doc, `${short}.${f.name}`).toMatch(new RegExp(`\\b${f.name}\\b`));
    for (const v of t.value ?? []) expect(doc, `${short}.${v.name}`).toContain(v.name.replace(/^ERROR_CODE_/, ""));
  });

  it("documents both services and every rpc", () => {
    for (const rpc of ["Invoke", "Describe", "Session", "Report"]) expect(doc).toMatch(new RegExp(`rpc ${rpc}\\(`));
    expect(doc).toContain("grpc.health.v1.Health/Check");
  });

  it("documents every environment variable the SDK reads", () => {
    const env = readFileSync(join(ROOT, "src/worker/environment.ts"), "utf8");
    const vars = [...new Set(env.match(/QB_[A-Z_]+/g))];
    expect(vars.length).toBeGreaterThanOrEqual(5);
    for (const v of vars) expect(doc).toContain(`\`${v}\``);
    expect(doc).toContain("QB_LISTENING <address>");
  });

  it("documents every conformance method and every check of qb worker test", () => {
    for (const m of Object.keys(conformanceMethods())) expect(doc).toContain(`\`${m}\``);
    for (const c of CHECKS) expect(doc).toContain(`| \`${c.name}\` |`);
    expect(doc).toContain("| `start` |");
  });

  it("carries examples/workers/python/minimal.py verbatim", () => {
    const file = readFileSync(join(ROOT, "examples/workers/python/minimal.py"), "utf8");
    expect(doc).toContain("```python\n" + file + "```");
  });
});
