/** Columns to an Arrow file on the land and back: every kind, NULLs, and text decoded row by row with repeated words reused. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readArrowColumns, writeArrowColumns, type ResultColumn } from "./arrow-columns.js";
import { Land } from "./land.js";

const dir = mkdtempSync(join(tmpdir(), "qb-arrow-columns-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const land = new Land(dir);

/** A text column as the pond builds one: offsets into UTF-8 bytes, NULL rows empty with a clear bit. */
function textColumn(name: string, values: Array<string | null>): ResultColumn {
  const offsets = new Int32Array(values.length + 1);
  const parts: Buffer[] = [];
  const valid = new Uint8Array((values.length + 7) >> 3);
  let at = 0;
  values.forEach((v, i) => {
    const bytes = Buffer.from(v ?? "", "utf8");
    parts.push(bytes);
    at += bytes.length;
    offsets[i + 1] = at;
    if (v !== null) valid[i >> 3]! |= 1 << (i & 7);
  });
  const nullCount = values.filter((v) => v === null).length;
  return { name, kind: "utf8", values: { offsets, data: new Uint8Array(Buffer.concat(parts)) }, nullCount, ...(nullCount ? { valid } : {}) };
}

describe("readArrowColumns", () => {
  it("gives text back row by row: repeated words, words whose hashes collide, NULLs, long and non-ASCII strings", async () => {
    // "Aa" and "BB" (and "AaAa", "BBBB", "AaBB") have the same 31-based hash: reused only when the bytes match
    const long = "a long string of more than thirty-two bytes, made each time";
    const words = ["Aa", "BB", "Aa", null, "BB", "AaAa", "BBBB", "AaBB", "ü", "ü", "", long, long, "Aa", "A", "a"];
    const values = Array.from({ length: 5_000 }, (_, i) => words[i % words.length]!);
    const ref = await writeArrowColumns(land, "text.arrow", { rows: values.length, columns: [textColumn("w", values)] });
    const got = await readArrowColumns(land, ref);
    expect(got.kinds).toEqual({ w: "utf8" });
    expect(got.columns.w).toEqual(values);
    expect(got.valid.w).toBeInstanceOf(Uint8Array);
  });

  it("keeps numbers as typed arrays over the file's bytes and bools as 0/1", async () => {
    const ref = await writeArrowColumns(land, "numbers.arrow", {
      rows: 3,
      columns: [
        { name: "x", kind: "float64", values: new Float64Array([1.5, -2, 3.25]), nullCount: 0 },
        { name: "n", kind: "int64", values: new BigInt64Array([1n, 2n, 3n]), nullCount: 1, valid: new Uint8Array([0b101]) },
        { name: "b", kind: "bool", values: new Uint8Array([1, 0, 1]), nullCount: 0 },
      ],
    });
    const got = await readArrowColumns(land, ref);
    expect(Array.from(got.columns.x as Float64Array)).toEqual([1.5, -2, 3.25]);
    expect(Array.from(got.columns.n as BigInt64Array)).toEqual([1n, 2n, 3n]);
    expect(Array.from(got.valid.n!)).toEqual([0b101]);
    expect(Array.from(got.columns.b as Uint8Array)).toEqual([1, 0, 1]);
  });

  it("refuses two columns of one name", async () => {
    const x = { name: "x", kind: "float64" as const, values: new Float64Array(1), nullCount: 0 };
    await expect(writeArrowColumns(land, "dup.arrow", { rows: 1, columns: [x, x] })).rejects.toThrow(/two columns are named "x"/);
  });
});
