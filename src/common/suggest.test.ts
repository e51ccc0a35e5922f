import { describe, expect, it } from "vitest";
import { closest, editDistance } from "./suggest.js";

describe("suggestions", () => {
  it("counts insertions, deletions, substitutions and transpositions as one edit", () => {
    expect(editDistance("total", "totl")).toBe(1);
    expect(editDistance("rnu", "run")).toBe(1);
    expect(editDistance("parallel", "paralel")).toBe(1);
    expect(editDistance("abc", "xyz")).toBe(3);
    expect(editDistance("a", "abcdefgh", 3)).toBe(4);
  });
  it("suggests only close names", () => {
    expect(closest("totl", ["total", "pi", "hits"])).toBe("total");
    expect(closest("xyz", ["total", "pi"])).toBeUndefined();
  });
});
