import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { textAt } from "../common/columns.js";
import { ColumnBuilder, columnsFromRows, type ResultColumn, type TextValues } from "./columns.js";

const isValid = (bits: Uint8Array | undefined, i: number): boolean => bits === undefined || ((bits[i >> 3]! >> (i & 7)) & 1) === 1;

/** A text column's rows as strings. */
function texts(column: ResultColumn): string[] {
  const values = column.values as TextValues;
  return Array.from({ length: values.offsets.length - 1 }, (_, i) => textAt(values, i));
}

/** Arrow's validity bits of a chunk: 1 where the value is not null. */
function bitsOf(values: ReadonlyArray<number | null>): Uint8Array {
  const bits = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v !== null) bits[i >> 3]! |= 1 << (i & 7);
  });
  return bits;
}

describe("ColumnBuilder", () => {
  it("keeps every value and every NULL, whatever mix of chunks and single values builds it", () => {
    const piece = fc.oneof(
      fc.record({ chunk: fc.array(fc.option(fc.integer({ min: -1000, max: 1000 }), { freq: 4 }), { maxLength: 3000, size: "max" }), bits: fc.boolean() }),
      fc.record({ one: fc.option(fc.integer({ min: -1000, max: 1000 })) }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const b = new ColumnBuilder("x", "int32");
        const want: Array<number | null> = [];
        for (const p of pieces) {
          if ("one" in p) {
            b.push(p.one);
            want.push(p.one);
          } else {
            // without bits, a chunk has no NULLs: its nulls are given as 0
            const values = p.bits ? p.chunk : p.chunk.map((v) => v ?? 0);
            b.appendNumbers(
              Int32Array.from(values, (v) => v ?? 0),
              values.length,
              p.bits ? bitsOf(values) : undefined,
            );
            want.push(...values);
          }
        }
        const col = b.finish();
        expect(col.values).toHaveLength(want.length);
        expect(col.nullCount).toBe(want.filter((v) => v === null).length);
        if (col.nullCount === 0) expect(col.valid).toBeUndefined();
        const got = Array.from(col.values as Int32Array, (v, i) => (isValid(col.valid, i) ? v : null));
        expect(got).toEqual(want);
      }),
      // no shrinking: a failing case of thousands of values takes minutes to shrink
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('text: NULL is "" in the values and a clear bit; strings and raw bytes build one column', () => {
    // two rows expected: the offsets and the bytes both grow
    const b = new ColumnBuilder("s", "utf8", 2);
    b.push("a");
    b.push(null);
    b.pushBytes(new TextEncoder().encode("ç€😀"));
    // three bytes from the middle of a buffer, as DuckDB's inline strings come
    b.pushBytes(new TextEncoder().encode("--abc--"), 2, 3);
    b.push("c".repeat(40));
    b.pushNull();
    const col = b.finish();
    expect(texts(col)).toEqual(["a", "", "ç€😀", "abc", "c".repeat(40), ""]);
    expect(Array.from((col.values as TextValues).offsets)).toEqual([0, 1, 1, 10, 13, 53, 53]);
    expect(col.nullCount).toBe(2);
    expect([0, 1, 2].map((i) => isValid(col.valid, i))).toEqual([true, false, true]);
  });
});

describe("columnsFromRows", () => {
  it("numbers become float64, booleans bool (0/1), anything else text; a missing value is NULL", () => {
    const r = columnsFromRows(
      [
        { n: 1.5, b: true, s: "x", mixed: 1, doc: { a: 1 } },
        { n: null, b: false, mixed: "two", doc: null },
      ],
      ["n", "b", "s", "mixed", "doc"],
    );
    expect(r.rows).toBe(2);
    expect(r.columns.map((c) => [c.name, c.kind, c.nullCount])).toEqual([
      ["n", "float64", 1],
      ["b", "bool", 0],
      ["s", "utf8", 1],
      ["mixed", "utf8", 0],
      ["doc", "utf8", 1],
    ]);
    expect(Array.from(r.columns[0]!.values as Float64Array)).toEqual([1.5, 0]);
    expect(Array.from(r.columns[1]!.values as Uint8Array)).toEqual([1, 0]);
    expect(texts(r.columns[3]!)).toEqual(["1", "two"]);
    expect(texts(r.columns[4]!)).toEqual(['{"a":1}', ""]);
  });
});
