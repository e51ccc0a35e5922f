/**
 * Diagnostic baselines: every `test/diagnostics/NAME.flow` is a malformed flow, and
 * `NAME.expected` is exactly what `qb check` prints for it (renderDiagnostics, with the file
 * shown as `test/diagnostics/NAME.flow`). A first line `# params: a=1 b=2` passes `--param`s.
 *
 * After an intended change to a message, regenerate and review the diff:
 *   UPDATE_BASELINES=1 npx vitest run test/diagnostics.test.ts test/diagnostics/docs.test.ts
 */
import { existsSync, unlinkSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DIAGNOSTIC_CODES, hasErrors } from "../src/dsl/diagnostics.js";
import {
  UPDATE,
  baselineNames,
  expectedNames,
  expectedPath,
  NO_BASELINE,
  isDiagnosticCode,
  paramsOf,
  parseRendered,
  readExpected,
  runBaseline,
} from "./diagnostics/harness.js";

const names = baselineNames();

describe("diagnostic baselines", () => {
  it("has at least 45 malformed flows", () => {
    expect(names.length).toBeGreaterThanOrEqual(45);
  });

  it.each(names)("%s", (name) => {
    const b = runBaseline(name);
    if (UPDATE) {
      writeFileSync(expectedPath(name), b.rendered);
      return;
    }
    if (!existsSync(expectedPath(name))) {
      throw new Error(`no ${name}.expected: run with UPDATE_BASELINES=1 to create it, then review it`);
    }
    expect(b.rendered).toBe(readExpected(name));
  });

  it("has a .flow for every .expected", () => {
    const orphans = expectedNames().filter((n) => !names.includes(n));
    if (UPDATE) for (const n of orphans) unlinkSync(expectedPath(n));
    else expect(orphans).toEqual([]);
  });

  it("reports at least one diagnostic for every baseline", () => {
    const empty = names.filter((n) => parseRendered(readExpected(n)).length === 0);
    expect(empty).toEqual([]);
  });

  it("covers every diagnostic code", () => {
    const seen = new Set<string>();
    for (const n of names) for (const block of parseRendered(readExpected(n))) seen.add(block.code);
    const unknown = [...seen].filter((c) => !isDiagnosticCode(c));
    expect(unknown).toEqual([]);
    const uncovered = Object.keys(DIAGNOSTIC_CODES)
      .filter((c) => !seen.has(c))
      .sort();
    expect(uncovered).toEqual(Object.keys(NO_BASELINE).sort());
  });

  it("renders each code with the severity the code table gives it", () => {
    const wrong: string[] = [];
    for (const n of names) {
      for (const block of parseRendered(readExpected(n))) {
        if (isDiagnosticCode(block.code) && DIAGNOSTIC_CODES[block.code].severity !== block.severity) wrong.push(`${n}: ${block.text.split("\n")[0]}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("reports all three mistakes of a flow with three separate mistakes", () => {
    const multi = names.filter((n) => n.startsWith("multi-"));
    expect(multi.length).toBeGreaterThanOrEqual(1);
    for (const n of multi) {
      const errors = parseRendered(readExpected(n)).filter((b) => b.severity === "error");
      expect(errors.length, n).toBe(3);
      expect(new Set(errors.map((e) => e.line)).size, `${n}: three different lines`).toBe(3);
    }
  });

  it("still compiles flows that only have warnings, and never flows with errors", () => {
    const warningOnly = new Set<string>();
    for (const n of names) {
      const { result } = runBaseline(n);
      expect(result.ir === undefined, n).toBe(hasErrors(result.diagnostics));
      if (!hasErrors(result.diagnostics)) for (const d of result.diagnostics) warningOnly.add(d.code);
    }
    const warnings = Object.entries(DIAGNOSTIC_CODES)
      .filter(([, v]) => v.severity === "warning")
      .map(([k]) => k);
    expect(warnings.filter((w) => !warningOnly.has(w))).toEqual([]);
  });
});

describe("the `# params:` line of a baseline", () => {
  it("gives --param overrides", () => {
    expect(paramsOf("# params: shards=abc deadline=90 empty=\nflow f() {}")).toEqual({ shards: "abc", deadline: "90", empty: "" });
  });

  it("is only read from the first line", () => {
    expect(paramsOf("flow f() {}\n# params: shards=abc\n")).toEqual({});
    expect(paramsOf("# a comment\n# params: shards=abc\n")).toEqual({});
  });

  it("rejects an entry without a name", () => {
    expect(() => paramsOf("# params: =3\n")).toThrow(/malformed/);
    expect(() => paramsOf("# params: shards\n")).toThrow(/malformed/);
  });
});
