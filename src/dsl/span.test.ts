/** Line and column of an offset: columns count characters, so an emoji is one. */
import { describe, expect, it } from "vitest";
import { LineMap, displayWidth } from "./span.js";

describe("LineMap", () => {
  const text = 'a\r\n\t"👋 é 日本" + x\nlast';
  const lines = new LineMap(text);

  it("counts an emoji before the offset as one column", () => {
    expect(lines.position(text.indexOf("x"))).toEqual({ line: 2, col: 13 });
    expect(lines.position(text.indexOf("last"))).toEqual({ line: 3, col: 1 });
  });

  it("maps every position back to its offset", () => {
    for (let i = 0; i <= text.length; i++) {
      // the middle of a surrogate pair is no character boundary
      if (i > 0 && text.codePointAt(i - 1)! > 0xffff) continue;
      const p = lines.position(i);
      expect(lines.offset(p.line, p.col), `offset ${i}`).toBe(i);
    }
  });

  it("measures what a terminal shows", () => {
    expect(displayWidth("👋 é 日本")).toBe(9);
    expect(displayWidth("e\u0301")).toBe(1);
  });
});
