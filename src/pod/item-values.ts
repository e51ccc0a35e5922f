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
 * xxh128 or sha256, mediaType}}` and becomes the same land value again when it is a call's whole input.
 */
export function toJson(v: Value): Json {
  if (!isLandRef(v)) return v;
  const item = { $land: v.toJSON() };
  realRefs.set(item, v);
  return item;
}

/**
 * The values the quarterback read from spilled references (land/spilled-value.ts), and the
 * reference each came from: passed on as a whole to a worker that reads spilled values,
 * one goes as that reference again instead of being written to the land a second time.
 */
const spilledFrom = new WeakMap<object, LandRef>();

/** A value read from a spilled reference, remembered with it. */
export function fromSpilled(value: Json, ref: LandRef): Json {
  if (value !== null && typeof value === "object") spilledFrom.set(value, ref);
  return value;
}

/** What goes on the wire for an item; `passSpilled` when the worker reads spilled values. */
export function toValue(input: Json, passSpilled = false): Value {
  if (input === null || typeof input !== "object") return input;
  // the reference itself, not the item's fields: an item changed on the way forges nothing
  return realRefs.get(input) ?? (passSpilled ? spilledFrom.get(input) : undefined) ?? input;
}
