/**
 * `qb run --json`: every line of stdout is one JSON object and the last is the result or
 * the error, whatever went wrong, so a program reading it always learns how the run ended.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";

const tmp = mkdtempSync(join(tmpdir(), "qb-audit-json-"));

function flow(name: string, text: string): string {
  const path = join(tmp, `${name}.flow`);
  writeFileSync(path, text);
  return path;
}

function runJson(...args: string[]): { status: number | null; lines: Array<Record<string, any>>; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/qb.js"), "run", "--json", ...args], { cwd: tmp, encoding: "utf8", timeout: 30_000 });
  const lines = r.stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, any>);
  return { status: r.status, lines, stderr: r.stderr };
}

describe("qb run --json ends with an error line", () => {
  it("for a flow with mistakes: every diagnostic with file, line and column (exit 2)", () => {
    const f = flow("bad", "flow bad() {\n  xs = range(3) |\n  emit ys\n}\n");
    const r = runJson(f);
    expect(r.status).toBe(2);
    expect(r.lines).toHaveLength(1);
    const last = r.lines.at(-1)!;
    expect(last.type).toBe("error");
    expect(last.error).toContain("2 errors");
    expect(last.diagnostics.map((d: any) => [d.file, d.line, d.col, d.code])).toEqual([
      [f, 2, 17, "QB1005"],
      [f, 3, 8, "QB2001"],
    ]);
  });

  it("for a bad --param and an unreadable flow (exit 2)", () => {
    const f = flow("one", "flow one(n: int = 1) {\n  xs = range(n)\n  emit xs\n}\n");
    const bad = runJson(f, "--param", "n=x");
    expect(bad.status).toBe(2);
    expect(bad.lines.at(-1)).toMatchObject({ type: "error", diagnostics: [{ code: "QB3003", line: 1, col: 10 }] });
    const missing = runJson(join(tmp, "nope.flow"));
    expect(missing.status).toBe(2);
    expect(missing.lines.at(-1)).toMatchObject({ type: "error", error: expect.stringContaining("no such file") });
  });

  it("for workers that do not serve what the flow calls (exit 2)", () => {
    const f = flow(
      "mismatch",
      `flow mismatch() {\n  worker mc { run "node ${ROOT}/examples/workers/montecarlo.js" }\n  s = range(2) | mc.sampel(n: 10, seed: item)\n  emit s\n}\n`,
    );
    const r = runJson(f);
    expect(r.status).toBe(2);
    expect(r.lines.at(-1)).toMatchObject({ type: "error", diagnostics: [{ file: f, line: 3, col: 18, code: "QB5001" }] });
  });

  it("for a failed call: step, worker, method, replica, attempt, input and place as fields (exit 1)", () => {
    const f = flow(
      "fails",
      `flow fails() {\n  worker chaos { run "node ${ROOT}/test/workers/chaos.js" replicas 1 }\n  xs = [1] | chaos.wait(id: item, ms: 10, fail_after: 10)\n  emit xs\n}\n`,
    );
    const r = runJson(f);
    expect(r.status).toBe(1);
    const last = r.lines.at(-1)!;
    expect(last).toMatchObject({
      type: "error",
      error: expect.stringContaining("call 1 failed on purpose"),
      call: {
        step: "xs",
        worker: "chaos",
        method: "wait",
        replica: 0,
        attempt: 1,
        attempts: 1,
        input: { id: 1, ms: 10, fail_after: 10 },
        file: f,
        line: 3,
        col: 14,
      },
    });
    expect(typeof last.runDir).toBe("string");
  });
});
