/** Items in the quarterback's channels and the values that cross the wire to workers. */
import type { Json } from "../common/json.js";
import type { Value } from "../common/values.js";
import { isLandRef, LandRef } from "../land/ref.js";

/**
 * Items are JSON; a land reference travels through channels as `{"$land": {path, size,
 * sha256, mediaType}}` and becomes a land value again when it is a call's whole input.
 */
export function toJson(v: Value): Json {
  return isLandRef(v) ? { $land: v.toJSON() } : v;
}

export function toValue(input: Json): Value {
  if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    const keys = Object.keys(input);
    const l = input.$land as Record<string, Json> | undefined;
    if (keys.length === 1 && l && typeof l === "object" && typeof l.path === "string" && typeof l.size === "number" && typeof l.sha256 === "string") {
      return new LandRef(l.path, l.size, l.sha256, typeof l.mediaType === "string" ? l.mediaType : "application/octet-stream");
    }
  }
  return input;
}
