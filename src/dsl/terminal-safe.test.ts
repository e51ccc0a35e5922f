import { describe, expect, it } from "vitest";
import { terminalSafe } from "./terminal-safe.js";

describe("terminalSafe", () => {
  it("shows escape sequences as text: no retitled window, no cleared screen", () => {
    expect(terminalSafe("bad \x1b]0;pwned\x07\x1b[2J")).toBe("bad \\x1b]0;pwned\\x07\\x1b[2J");
  });

  it("escapes every C0 and C1 control and DEL, but keeps tabs", () => {
    expect(terminalSafe("a\x00b\x08c\td\x7fe\x9bf\x85g")).toBe("a\\x00b\\x08c\td\\x7fe\\x9bf\\x85g");
    expect(terminalSafe("50%\rdone")).toBe("50%\\rdone");
  });

  it("escapes bidi embeddings, overrides and isolates", () => {
    expect(terminalSafe("x\u202ay\u202ez\u2066w\u2069")).toBe("x\\u202ay\\u202ez\\u2066w\\u2069");
  });

  it("keeps line breaks, or shows them for one-line output", () => {
    expect(terminalSafe("one\ntwo\r\nthree")).toBe("one\ntwo\nthree");
    expect(terminalSafe("one\ntwo\r\nthree", { lines: false })).toBe("one\\ntwo\\r\\nthree");
  });

  it("leaves printable text alone, whatever its script", () => {
    const text = "π ≈ 3.14 — 円周率 🥧 \\x1b `code` \u200d";
    expect(terminalSafe(text)).toBe(text);
  });
});
