import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { diagnosticsToJson, omitted, renderDiagnostics } from "./render.js";

const at = (start: number, end = start + 1, message = "unexpected character"): Diagnostic => diagnostic("QB1001", { start, end }, message);

describe("renderDiagnostics", () => {
  it("shows the first 50 diagnostics of a file, then counts the others", () => {
    const text = "x".repeat(200);
    const ds = Array.from({ length: 180 }, (_, i) => at(i));
    ds.push(diagnostic("QB2005", { start: 190, end: 191 }, "unused"));
    const out = renderDiagnostics("f.flow", text, ds);
    expect(out.match(/^f\.flow:1:\d+: error QB1001/gm)).toHaveLength(50);
    expect(out.endsWith("f.flow: and 130 more errors and 1 more warning (only the first 50 are shown)\n")).toBe(true);
    expect(diagnosticsToJson("f.flow", text, ds)).toHaveLength(50);
    expect(omitted(ds)).toEqual({ errors: 130, warnings: 1 });
    expect(omitted(ds.slice(0, 50))).toBeUndefined();
    expect(renderDiagnostics("f.flow", text, ds.slice(0, 50))).not.toContain("more error");
  });

  it("cuts a long line to a window around the caret, marking the cuts", () => {
    const text = "a".repeat(1000) + "BAD" + "b".repeat(1000);
    const out = renderDiagnostics("f.flow", text, [at(1000, 1003)]).split("\n");
    expect(out[0]).toBe("f.flow:1:1001: error QB1001: unexpected character");
    expect(out[1]).toBe(`1 | …${"a".repeat(60)}BAD${"b".repeat(57)}…`);
    // the caret stays under the mistake
    expect(out[2]!.indexOf("^")).toBe(out[1]!.indexOf("BAD"));
    expect(out[2]!.endsWith("^^^")).toBe(true);
    // near either end of the line the window stops there, with one mark
    const first = renderDiagnostics("f.flow", text, [at(2)]).split("\n");
    expect(first[1]).toBe(`1 | ${"a".repeat(120)}…`);
    expect(first[2]).toBe("  |   ^");
    const last = renderDiagnostics("f.flow", text, [at(2002)]).split("\n");
    expect(last[1]).toBe(`1 | …${"b".repeat(120)}`);
    expect(last[2]!.indexOf("^")).toBe(last[1]!.length - 1);
    // a span running past the window gets carets to its edge
    const long = renderDiagnostics("f.flow", text, [at(500, 1500)]).split("\n");
    expect(long[2]).toBe(`  | ${" ".repeat(61)}${"^".repeat(60)}`);
  });

  it("keeps short lines whole, and keeps carets under wide characters", () => {
    const text = 'flow f() { x = "🥧円" $ }';
    const out = renderDiagnostics("f.flow", text, [at(text.indexOf("$"))]).split("\n");
    expect(out[1]).toBe(`1 | ${text}`);
    expect(out[2]).toBe(`  | ${" ".repeat(text.indexOf("$") - 1 + 2)}^`);
  });

  it("never cuts a surrogate pair at the window's edge", () => {
    const text = "🥧".repeat(500);
    for (const start of [200, 202, 400]) {
      const line = renderDiagnostics("f.flow", text, [at(start, start + 2)]).split("\n")[1]!;
      expect(line).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });

  it("shows control characters of the source and messages escaped, caret aligned", () => {
    const text = "flow f() {\n  x = \x1b[2J \u202e $\n}";
    const d = [at(text.indexOf("$"), text.indexOf("$") + 1, "unexpected `\x1b]0;t\x07`")];
    const out = renderDiagnostics("f.flow", text, d).split("\n");
    expect(out[0]).toBe("f.flow:2:14: error QB1001: unexpected `\\x1b]0;t\\x07`");
    expect(out[1]).toBe("2 |   x = \\x1b[2J \\u202e $");
    expect(out[2]!.indexOf("^")).toBe(out[1]!.indexOf("$"));
  });

  it("stays small and quick on a 5 MB line with a hundred thousand mistakes", () => {
    const text = "\x00".repeat(5_000_000);
    const ds = Array.from({ length: 100_000 }, (_, i) => at(i * 50));
    const t = Date.now();
    const out = renderDiagnostics("f.flow", text, ds);
    const json = JSON.stringify(diagnosticsToJson("f.flow", text, ds));
    expect(Date.now() - t).toBeLessThan(3000);
    expect(out.length).toBeLessThan(50 * 1000);
    expect(json.length).toBeLessThan(50 * 300);
  });

  it("renders a compiled flow as before", () => {
    const text = 'flow f() {\n  worker w { run "x" }\n  s = range(3) | w.f(n: nope)\n  emit s\n}\n';
    expect(renderDiagnostics("f.flow", text, compile(text).diagnostics)).toBe(
      "f.flow:3:25: error QB2001: unknown name `nope`\n3 |   s = range(3) | w.f(n: nope)\n  |                         ^^^^\n",
    );
  });
});
