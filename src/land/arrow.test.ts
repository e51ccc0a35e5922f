import { mkdtempSync, rmSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromArrays, tableFromIPC } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { ARROW_FILE_MEDIA_TYPE, readArrowTable, readFloat64Columns, writeArrowTable, writeFloat64Columns } from "./arrow.js";
import { LandPathError } from "./errors.js";
import { Land } from "./land.js";
import { LandRef } from "./ref.js";
import { writeTypedArray } from "./typed-arrays.js";

describe("Arrow on the land", () => {
  const root = mkdtempSync(join(tmpdir(), "qb-land-arrow-"));
  const land = new Land(root);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("round-trips an Arrow table of mixed columns as an IPC file", async () => {
    const table = tableFromArrays({ id: Int32Array.from([1, 2, 3]), x: Float64Array.from([0.5, -1e300, Math.PI]), name: ["a", "bé", "c"] });
    const ref = await writeArrowTable(land, "tables/t.arrow", table);
    expect(ref).toMatchObject({ path: "tables/t.arrow", mediaType: ARROW_FILE_MEDIA_TYPE });
    // an IPC *file*: ARROW1 at both ends, readable by any Arrow reader
    const bytes = await readFile(join(root, "tables/t.arrow"));
    expect(ref.size).toBe(bytes.length);
    expect(bytes.subarray(0, 6).toString()).toBe("ARROW1");
    expect(bytes.subarray(bytes.length - 6).toString()).toBe("ARROW1");
    expect(tableFromIPC(bytes).numRows).toBe(3);

    const back = await readArrowTable(land, ref);
    expect(back.numRows).toBe(3);
    expect(back.schema.fields.map((f) => f.name)).toEqual(["id", "x", "name"]);
    expect(back.toArray().map((r) => r.toJSON())).toEqual([
      { id: 1, x: 0.5, name: "a" },
      { id: 2, x: -1e300, name: "bé" },
      { id: 3, x: Math.PI, name: "c" },
    ]);
  });

  it("round-trips named Float64Array columns bit for bit", async () => {
    const n = 10_000;
    const a = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1e6 + 1 / (i + 1));
    const b = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? Number.NaN : -i));
    const ref = await writeFloat64Columns(land, "cols.arrow", { a, b });
    const back = await readFloat64Columns(land, ref);
    expect(Object.keys(back)).toEqual(["a", "b"]);
    expect(back.a).toBeInstanceOf(Float64Array);
    expect(Buffer.from(back.a!.buffer, back.a!.byteOffset, back.a!.byteLength).equals(Buffer.from(a.buffer))).toBe(true);
    expect(Buffer.from(back.b!.buffer, back.b!.byteOffset, back.b!.byteLength).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it("refuses columns of different lengths, and reading non-float64 columns as Float64Arrays", async () => {
    await expect(writeArrowTable(land, "bad.arrow", { a: new Float64Array(3), b: new Float64Array(2) })).rejects.toThrow('column "b" has 2 values, not 3');
    const ref = await writeArrowTable(land, "ints.arrow", { a: new Float64Array(2), i: Int32Array.from([1, 2]) });
    await expect(readFloat64Columns(land, ref)).rejects.toThrow(/column "i" is Int32, not Float64/);
  });

  it("refuses a reference of another media type", async () => {
    const f64 = await writeTypedArray(land, "raw.f64", Float64Array.from([1, 2, 3]));
    await expect(readArrowTable(land, f64)).rejects.toThrow(`holds application/x-float64-le, not ${ARROW_FILE_MEDIA_TYPE}`);
    // the same bytes, claimed to be Arrow: not an Arrow file
    const claimed = new LandRef(f64.path, f64.size, f64.sha256, ARROW_FILE_MEDIA_TYPE, undefined, f64.xxh128);
    await expect(readArrowTable(land, claimed)).rejects.toThrow("is not an Arrow IPC file");
  });

  it("refuses a file changed since its reference was made", async () => {
    const ref = await writeFloat64Columns(land, "changed.arrow", { a: Float64Array.from([1, 2, 3]) });
    const bytes = await readFile(join(root, "changed.arrow"));
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    await writeFile(join(root, "changed.arrow"), bytes);
    await expect(readArrowTable(land, ref)).rejects.toThrow("does not match its reference");
  });

  it("refuses paths that leave the land, writing and reading", async () => {
    const write = writeArrowTable(land, "../escape.arrow", { a: new Float64Array(1) });
    await expect(write).rejects.toBeInstanceOf(LandPathError);
    await expect(write).rejects.toMatchObject({ problem: "parent" });
    await expect(writeFloat64Columns(land, "/tmp/abs.arrow", { a: new Float64Array(1) })).rejects.toMatchObject({ problem: "absolute" });
    const read = readArrowTable(land, new LandRef("x/../../etc/passwd", 1, "0", ARROW_FILE_MEDIA_TYPE));
    await expect(read).rejects.toBeInstanceOf(LandPathError);
  });
});
