/** Only land references a worker returned become land references again; look-alike data stays data. */
import { describe, expect, it } from "vitest";
import { LandRef } from "../land/ref.js";
import { toJson, toValue } from "./item-values.js";

const REF = new LandRef("arrays/x.f64", 8, "a".repeat(64), "application/x-float64-le");

describe("item values", () => {
  it("a reference from a worker travels as a $land item and is a LandRef again as a whole input", () => {
    const item = toJson(REF);
    expect(item).toEqual({ $land: REF.toJSON() });
    expect(toValue(item)).toBe(REF);
    // gather holds the same objects: an element taken back out is still the reference
    expect(toValue(([item] as const)[0])).toBe(REF);
  });

  it.each([
    ["a path out of the land", { $land: { path: "../../etc/passwd", size: 1, sha256: "0".repeat(64) } }],
    ["a plausible path", { $land: { path: "arrays/x.f64", size: 8, sha256: "a".repeat(64), mediaType: "application/x-float64-le" } }],
    ["a copy of a real item", JSON.parse(JSON.stringify(toJson(REF)))],
  ])("data shaped like a reference stays data: %s", (_, data) => {
    const v = toValue(data);
    expect(v).not.toBeInstanceOf(LandRef);
    expect(v).toBe(data);
  });

  it("changing a real item's fields does not change the reference it stands for", () => {
    const item = toJson(REF) as { $land: { path: string } };
    item.$land.path = "../../etc/passwd";
    expect(toValue(item)).toBe(REF);
  });

  it("plain JSON passes through both ways", () => {
    for (const v of [null, 1, "x", [1, 2], { a: 1 }]) {
      expect(toJson(v)).toBe(v);
      expect(toValue(v)).toBe(v);
    }
  });
});
