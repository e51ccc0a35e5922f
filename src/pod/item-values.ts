/** Items in the quarterback's channels and the values that cross the wire to workers. */
import type { Json } from "../common/json.js";
import type { Value } from "../common/values.js";
import { isLandRef, type LandRef } from "../land/ref.js";

/**
 * The items `toJson` made from land references a worker answered with, and the reference
 * each stands for. Items travel by reference through the channels (a gather's array holds
 * the same objects), so only these become references again: a list literal, a pond row or
 * a worker's JSON shaped like `{"$land": ...}` is data, never a reference.
 */
const realRefs = new WeakMap<object, LandRef>();

/**
 * Items are JSON; a land reference travels through channels as `{"$land": {path, size,
 * sha256, mediaType}}` and becomes the same land value again when it is a call's whole input.
 */
export function toJson(v: Value): Json {
  if (!isLandRef(v)) return v;
  const item = { $land: v.toJSON() };
  realRefs.set(item, v);
  return item;
}

export function toValue(input: Json): Value {
  // the reference itself, not the item's fields: an item changed on the way forges nothing
  return (input !== null && typeof input === "object" && realRefs.get(input)) || input;
}
