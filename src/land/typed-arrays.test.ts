import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Land } from "./land.js";
import { readTypedArray, writeTypedArray } from "./typed-arrays.js";
import { LandRef } from "./ref.js";

describe("typed arrays on the land", () => {
  const land = new Land(mkdtempSync(join(tmpdir(), "qb-land-ta-")));

  it("round-trips a Float64Array bit for bit, with its element type in the reference", async () => {
    const a = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e6 + 1 / (i + 1));
    const ref = await writeTypedArray(land, "arrays/a.f64", a);
    expect(ref).toMatchObject({ path: "arrays/a.f64", size: 8000, mediaType: "application/x-float64-le" });
    const b = await readTypedArray(land, ref, "float64");
    expect(b).toBeInstanceOf(Float64Array);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it("refuses a wrong element type, a changed file and a path that leaves the land", async () => {
    const ref = await writeTypedArray(land, "i.bin", Int32Array.from([1, 2, 3]));
    await expect(readTypedArray(land, ref, "float64")).rejects.toThrow("holds application/x-int32-le");
    await land.writeFile("i.bin", new Uint8Array(12));
    await expect(readTypedArray(land, ref, "int32")).rejects.toThrow("does not match its reference");
    await expect(writeTypedArray(land, "../out.f64", new Float64Array(1))).rejects.toThrow();
    await expect(readTypedArray(land, new LandRef("x/../../etc/passwd", 1, "0", "application/x-float64-le"), "float64")).rejects.toThrow();
  });
});
