/** The batched frame's primitives: one buffer per frame, items read where they lie, all or nothing. */
import { describe, expect, it } from "vitest";
import { forEachItem, frameOf, readField, type Span } from "./wire.js";

const TAG = 0x2a;
const text = (s: string): Buffer => Buffer.from(s, "utf8");

/** A frame of strings: each written straight in when it is ASCII, else encoded apart and copied. */
function frame(parts: string[]): Buffer {
  const ascii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);
  return frameOf(
    TAG,
    parts,
    (s) => (ascii(s) ? s.length : -1),
    (buf, pos, s) => pos + buf.write(s, pos, "latin1"),
    (s) => text(s),
  );
}

function items(buf: Buffer): string[] | undefined {
  const out: string[] = [];
  return forEachItem(buf, TAG, (start, end) => out.push(buf.toString("utf8", start, end))) ? out : undefined;
}

describe("batched frames", () => {
  it("writes and reads items, written in place or copied, empty and long (a two-byte length) ones too", () => {
    const parts = ["a", "", "é-ü", "x".repeat(300), "b"];
    const buf = frame(parts);
    expect(buf.subarray(0, 2)).toEqual(Buffer.from([0x0a, 0]));
    expect(items(buf)).toEqual(parts);
    // without the empty call id, as an encoder that skips defaults writes it
    expect(items(buf.subarray(2))).toEqual(parts);
  });

  it("reads nothing from a frame that is malformed anywhere: no item is handed out before the whole is checked", () => {
    const buf = frame(["one", "two", "three"]);
    const seen: number[] = [];
    for (const bad of [buf.subarray(0, buf.length - 1), Buffer.concat([buf, Buffer.from([0x12, 0])]), Buffer.from([0x0a, 0])]) {
      expect(forEachItem(bad, TAG, (s) => seen.push(s))).toBe(false);
    }
    expect(seen).toEqual([]);
  });

  it("readField fills the span, and refuses a length that overruns or a varint that never ends", () => {
    const span: Span = { start: -1, end: -1 };
    expect(readField(Buffer.from([3, 1, 2, 3]), 0, 4, span)).toBe(true);
    expect(span).toEqual({ start: 1, end: 4 });
    expect(readField(Buffer.from([4, 1, 2, 3]), 0, 4, span)).toBe(false);
    expect(readField(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0]), 0, 6, span)).toBe(false);
  });
});
