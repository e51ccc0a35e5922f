/** Values to and from the wire: JSON text, or a land reference as a whole. */
import { describe, expect, it } from "vitest";
import { LandRef } from "../land/ref.js";
import { decodeValue, encodeValue } from "./values.js";

describe("values on the wire", () => {
  it("a land reference keeps its writer's stamp both ways; one without has none", () => {
    const ref = new LandRef("a/x.f64", 16, "ab".repeat(32), "application/x-float64-le", "123-456");
    const msg = encodeValue(ref);
    expect(msg).toEqual({ land: { path: "a/x.f64", size: 16, sha256: "ab".repeat(32), mediaType: "application/x-float64-le", stamp: "123-456" } });
    expect(decodeValue(msg)).toEqual(ref);
    const plain = new LandRef("a/y.bin", 1, "cd".repeat(32), "application/octet-stream");
    expect(encodeValue(plain).land).not.toHaveProperty("stamp");
    // protobuf's default for an absent string field
    expect((decodeValue({ land: { ...encodeValue(plain).land!, stamp: "" } }) as LandRef).stamp).toBeUndefined();
  });

  it("JSON both ways, and null for nothing", () => {
    expect(decodeValue(encodeValue({ a: [1, "b"] }))).toEqual({ a: [1, "b"] });
    expect(encodeValue(undefined)).toEqual({ json: "null" });
    expect(decodeValue(undefined)).toBeNull();
  });
});
