/** Values the checks send and expect back. */
import type { Json } from "../common/json.js";

/** A value that exercises JSON: unicode (astral, line separators, NUL), extreme numbers, nesting. */
export const ECHO_SAMPLE: Json = {
  text: 'h\u00e9llo \u2028\u2029 \u0000 \ud83d\ude00 "quoted" \\ back',
  numbers: [0, -1.5, 1e300, 5e-324, 9007199254740991, -9007199254740991],
  flags: [true, false, null],
  nested: { empty: {}, list: [[], [[]], [{}]], "key with spaces": "v" },
};

/** Deep equality of JSON values, object key order ignored. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameJson(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
