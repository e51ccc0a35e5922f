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

  it("a land reference keeps its XXH128 both ways; one with no hash at all is refused", () => {
    const ref = new LandRef("a/x.f64", 16, "", "application/x-float64-le", "1-2", "ef".repeat(16));
    const msg = encodeValue(ref);
    expect(msg.land).toMatchObject({ sha256: "", xxh128: "ef".repeat(16) });
    expect(decodeValue(msg)).toEqual(ref);
    // protobuf's defaults: both hashes empty
    expect(() => decodeValue({ land: { path: "a/x.f64", size: 16, sha256: "", mediaType: "", xxh128: "" } })).toThrow(
      'bad land reference "a/x.f64": it carries no hash (sha256 or xxh128)',
    );
    expect((decodeValue({ land: { ...msg.land!, xxh128: "", sha256: "ab".repeat(32) } }) as LandRef).xxh128).toBeUndefined();
  });

  it("JSON both ways, and null for nothing", () => {
    expect(decodeValue(encodeValue({ a: [1, "b"] }))).toEqual({ a: [1, "b"] });
    expect(encodeValue(undefined)).toEqual({ json: "null" });
    expect(decodeValue(undefined)).toBeNull();
  });
});
