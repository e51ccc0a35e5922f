import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "./errors.js";
import { decodeFlow } from "./flow-input.js";
import { firstInvalidUtf8, firstNonText } from "./text-check.js";

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));

describe("flow files that are not text", () => {
  it("refuses a NUL byte, at its line and column", () => {
    const b = bytes("flow f() {\n  x = é", [0], "\n}");
    expect(firstNonText(b)).toEqual({ offset: 19, byte: 0, line: 2, col: 8 });
    expect(() => decodeFlow("f.flow", b)).toThrow(UsageError);
    expect(() => decodeFlow("f.flow", b)).toThrow("f.flow:2:8: not a flow: a NUL byte: a binary file, not text; a flow is UTF-8 text");
  });

  it("refuses invalid UTF-8 at its first bad byte: stray, overlong, surrogate, too large, cut short", () => {
    const cases: Array<[number[], number]> = [
      [[0xff], 0xff],
      [[0x80], 0x80],
      [[0xc0, 0x80], 0xc0],
      [[0xe0, 0x80, 0x80], 0xe0],
      [[0xed, 0xa0, 0x80], 0xed],
      [[0xf4, 0x90, 0x80, 0x80], 0xf4],
      [[0xf5, 0x80, 0x80, 0x80], 0xf5],
      [[0xe2, 0x82], 0xe2],
    ];
    for (const [bad, byte] of cases) {
      const b = bytes("# π\n€€ ", bad);
      expect(firstNonText(b)).toMatchObject({ line: 2, col: 4, byte });
      expect(() => decodeFlow("f.flow", b)).toThrow(`f.flow:2:4: not a flow: byte 0x${byte.toString(16)} is not UTF-8`);
    }
  });

  it("reads UTF-8 text, keeping a byte-order mark for the compiler to skip", () => {
    expect(decodeFlow("f.flow", bytes([0xef, 0xbb, 0xbf], "flow f() {}\n"))).toBe("\ufeffflow f() {}\n");
    expect(firstNonText(bytes('x = "🥧" # ok\n'))).toBeUndefined();
  });

  it("finds exactly the bytes TextDecoder refuses", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.string({ unit: "grapheme", maxLength: 8 }), (raw, s) => {
        const b = bytes(s, [...raw]);
        const at = firstInvalidUtf8(b);
        let decodes = true;
        try {
          new TextDecoder("utf-8", { fatal: true }).decode(b);
        } catch {
          decodes = false;
        }
        expect(at < 0).toBe(decodes);
        if (at >= 0) new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(0, at));
      }),
      { numRuns: 2000 },
    );
  });
});
