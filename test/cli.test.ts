/** The `qb` commands as a user runs them: real processes, exit codes, stdout and stderr. */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateIR } from "../src/ir/validate.js";
import { ROOT } from "./support/examples.js";

function qb(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/qb.js"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), "qb-cli-"));
const bad = join(tmp, "bad.flow");
writeFileSync(bad, 'flow bad(n: int = 2) {\n  worker w { run "x" }\n  a = range(n) | w.f parallel 0\n  b = a | ww.g\n  emit c\n}\n');

describe("qb check", () => {
  it("passes every example (exit 0)", () => {
    const r = qb("check", "examples/pi.flow", "examples/digest.flow", "examples/sales.flow", "examples/kmeans.flow");
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("ok: 4 flows checked\n");
    expect(r.status).toBe(0);
  });

  it("reports every mistake with file:line:col, the line and a caret (exit 2)", () => {
    const r = qb("check", bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `${bad}:3:31: error QB3006: \`parallel\` needs a whole number of 1 or more, got 0\n3 |   a = range(n) | w.f parallel 0\n  |                               ^\n`,
    );
    expect(r.stderr).toContain(`${bad}:4:11: error QB2002: unknown worker \`ww\``);
    expect(r.stderr).toContain("= help: did you mean `w`?");
    expect(r.stderr).toContain(`${bad}:5:8: error QB2001: unknown step \`c\``);
    expect(r.stderr).toContain(`${bad}: 3 errors, 0 warnings`);
  });

  it("gives diagnostics as JSON with --json", () => {
    const r = qb("check", "--json", bad);
    expect(r.status).toBe(2);
    const out = JSON.parse(r.stdout) as { ok: boolean; diagnostics: Array<{ code: string; line: number; col: number; file: string }> };
    expect(out.ok).toBe(false);
    expect(out.diagnostics.filter((d) => d.code !== "QB2005").map((d) => [d.code, d.line, d.col])).toEqual([
      ["QB3006", 3, 31],
      ["QB2002", 4, 11],
      ["QB2001", 5, 8],
    ]);
  });

  it("takes --param values and rejects unknown ones", () => {
    expect(qb("check", "examples/pi.flow", "--param", "shards=32").status).toBe(0);
    const r = qb("check", "examples/pi.flow", "--param", "shard=32");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown param `shard` given with --param");
    expect(r.stderr).toContain("did you mean `shards`?");
    expect(qb("check", "examples/pi.flow", "--param", "shards").status).toBe(2);
  });

  it("says clearly when a file cannot be read (exit 2)", () => {
    const r = qb("check", "no/such.flow");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("qb: cannot read flow no/such.flow: no such file\n");
  });
});

describe("qb compile", () => {
  it("prints a schema-valid IR", () => {
    const r = qb("compile", "examples/kmeans.flow", "--param", "k=3");
    expect(r.status).toBe(0);
    const ir = JSON.parse(r.stdout) as { params: Array<{ name: string; value: unknown }> };
    expect(validateIR(ir)).toEqual([]);
    expect(ir.params.find((p) => p.name === "k")!.value).toBe(3);
  });
  it("fails with diagnostics and no IR on a bad flow", () => {
    const r = qb("compile", bad);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("QB2002");
  });
});

describe("qb fmt", () => {
  it("--check passes formatted files and lists the others (exit 1)", () => {
    expect(qb("fmt", "--check", "examples/pi.flow").status).toBe(0);
    const messy = join(tmp, "messy.flow");
    writeFileSync(messy, 'flow m(){\n worker w {run "x"}\n s=range(2)|w.f   # keep me\n emit s }\n');
    const r = qb("fmt", "--check", messy);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`${messy}\n`);
    expect(qb("fmt", "--write", messy).status).toBe(0);
    expect(readFileSync(messy, "utf8")).toBe('flow m() {\n  worker w { run "x" }\n  s = range(2) | w.f # keep me\n  emit s\n}\n');
    expect(qb("fmt", "--check", messy).status).toBe(0);
  });
  it("prints to stdout without touching the file", () => {
    const copy = join(tmp, "pi.flow");
    copyFileSync(join(ROOT, "examples/pi.flow"), copy);
    const r = qb("fmt", copy);
    expect(r.stdout).toBe(readFileSync(copy, "utf8"));
  });
  it("refuses a flow with syntax errors (exit 2)", () => {
    const broken = join(tmp, "broken.flow");
    writeFileSync(broken, "flow b() {\n  x = | w.f\n}\n");
    const r = qb("fmt", broken);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error QB1006");
  });
});

describe("qb graph", () => {
  it("prints dot by default and mermaid on request", () => {
    const dot = qb("graph", "examples/kmeans.flow");
    expect(dot.status).toBe(0);
    expect(dot.stdout.startsWith('digraph "kmeans" {')).toBe(true);
    const mm = qb("graph", "examples/kmeans.flow", "--format", "mermaid");
    expect(mm.stdout.startsWith("flowchart TB")).toBe(true);
    expect(qb("graph", "examples/kmeans.flow", "--format", "png").status).toBe(2);
  });
});

describe("usage", () => {
  it("exits 2 on an unknown command and 0 on --help", () => {
    expect(qb("frobnicate").status).toBe(2);
    expect(qb("--help").status).toBe(0);
  });
});
