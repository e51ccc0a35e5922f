/** `qb run --run-dir D` with a D that cannot be a run directory: a usage error, nothing runs. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";

const tmp = mkdtempSync(join(tmpdir(), "qb-audit-rundir-"));
const flow = join(tmp, "three.flow");
writeFileSync(flow, "flow three() {\n  xs = range(3)\n  emit xs\n}\n");

function qb(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/qb.js"), ...args], { cwd: tmp, encoding: "utf8", timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("qb run --run-dir", () => {
  it("refuses a path that is a file, naming it (exit 2, no stack trace)", () => {
    const file = join(tmp, "a-file");
    writeFileSync(file, "x");
    for (const dir of [file, join(file, "sub")]) {
      const r = qb("run", flow, "--run-dir", dir);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`qb: --run-dir ${dir}:`);
      expect(r.stderr).not.toContain("internal error");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("refuses a directory that already holds a run instead of mixing two runs' events", () => {
    const dir = join(tmp, "used");
    expect(qb("run", flow, "--run-dir", dir).status).toBe(0);
    const events = readFileSync(join(dir, "events.ndjson"), "utf8");
    const r = qb("run", flow, "--run-dir", dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`qb: --run-dir ${dir}: already holds a run`);
    expect(readFileSync(join(dir, "events.ndjson"), "utf8")).toBe(events);
  });

  it("uses an empty existing directory, and creates a missing one", () => {
    const empty = join(tmp, "empty");
    mkdirSync(empty);
    expect(qb("run", flow, "--run-dir", empty).status).toBe(0);
    expect(JSON.parse(readFileSync(join(empty, "result.json"), "utf8"))).toEqual({ xs: [0, 1, 2] });
    const fresh = join(tmp, "new", "deep");
    expect(qb("run", flow, "--run-dir", fresh).status).toBe(0);
    expect(existsSync(join(fresh, "result.json"))).toBe(true);
  });
});
