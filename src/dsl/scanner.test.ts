import { describe, expect, it } from "vitest";
import { scan } from "./scanner.js";

const kinds = (text: string): string[] =>
  scan(text).tokens.map((t) => (t.kind === "ident" || t.kind === "int" || t.kind === "float" || t.kind === "quantity" ? `${t.kind}:${t.text}` : t.kind));

describe("scanner", () => {
  it("splits numbers, quantities and punctuation", () => {
    expect(kinds("x = 20_000_000 / 1.5e3 | w.m(t: 60s, m: 512Mi) <- y")).toEqual([
      "ident:x",
      "=",
      "int:20_000_000",
      "/",
      "float:1.5e3",
      "|",
      "ident:w",
      ".",
      "ident:m",
      "(",
      "ident:t",
      ":",
      "quantity:60s",
      ",",
      "ident:m",
      ":",
      "quantity:512Mi",
      ")",
      "<-",
      "ident:y",
      "eof",
    ]);
    const q = scan("1.5h").tokens[0]!;
    expect([q.value, q.unit]).toEqual([1.5, "h"]);
    expect(scan("20_000").tokens[0]!.value).toBe(20000);
  });

  it("decodes string escapes, including unicode", () => {
    const t = scan('"a\\"b\\\\c\\n\\t\\u{e9}😀"').tokens[0]!;
    expect(t.value).toBe('a"b\\c\n\té😀');
  });

  it("keeps comments apart and knows which follow code", () => {
    const r = scan("# own line\nx = 1 # trailing\n");
    expect(r.comments.map((c) => [c.text, c.trailing])).toEqual([
      ["# own line", false],
      ["# trailing", true],
    ]);
  });

  it("reports bad input as diagnostics, never throws", () => {
    expect(scan('"open').diagnostics.map((d) => d.code)).toEqual(["QB1002"]);
    expect(scan("1__0").diagnostics.map((d) => d.code)).toEqual(["QB1003"]);
    expect(scan('"\\q"').diagnostics.map((d) => d.code)).toEqual(["QB1011"]);
    expect(scan('"\\u{zz}"').diagnostics.map((d) => d.code)).toEqual(["QB1011"]);
    const r = scan("a $ b ∑");
    expect(r.diagnostics.map((d) => [d.code, d.span.start])).toEqual([
      ["QB1001", 2],
      ["QB1001", 6],
    ]);
    expect(r.diagnostics[1]!.message).toContain("∑");
  });
});
