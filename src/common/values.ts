/** Values between JavaScript and the wire: JSON text, or a land reference as a whole. */
import type { ValueMsg } from "../proto/messages.js";
import { LandRef } from "../land/ref.js";
import { normalizeLandPath } from "../land/safe-path.js";
import { InvalidArgumentError, OutputError } from "./call-errors.js";
import type { Json } from "./json.js";

/** What crosses the wire: JSON, or a land reference (as a whole value). */
export type Value = Json | LandRef;

const NULL_VALUE: ValueMsg = { json: "null" };

/** A value as a message. Throws OutputError for what JSON cannot carry (BigInt, cycles, functions). */
export function encodeValue(v: unknown): ValueMsg {
  if (v === undefined || v === null) return NULL_VALUE;
  if (v instanceof LandRef)
    return {
      land: {
        path: v.path,
        size: v.size,
        sha256: v.sha256,
        mediaType: v.mediaType,
        ...(v.stamp !== undefined ? { stamp: v.stamp } : {}),
        ...(v.xxh128 !== undefined ? { xxh128: v.xxh128 } : {}),
      },
    };
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch (cause) {
    throw new OutputError(`value is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`, "FAILED", { cause });
  }
  if (text === undefined) throw new OutputError(`value of type ${typeof v} is not JSON`, "FAILED");
  return { json: text };
}

/** A message as a value. Throws InvalidArgumentError for text that is not JSON or a bad land path. */
export function decodeValue(msg: ValueMsg | null | undefined): Value {
  if (!msg) return null;
  if (msg.land) {
    const l = msg.land;
    let path: string;
    try {
      path = normalizeLandPath(l.path);
    } catch (cause) {
      throw new InvalidArgumentError(`bad land reference: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    if (!l.sha256 && !l.xxh128) throw new InvalidArgumentError(`bad land reference ${JSON.stringify(path)}: it carries no hash (sha256 or xxh128)`);
    return new LandRef(path, Number(l.size), l.sha256 ?? "", l.mediaType || "application/octet-stream", l.stamp || undefined, l.xxh128 || undefined);
  }
  if (typeof msg.json === "string" && (msg.kind === "json" || msg.kind === undefined)) {
    try {
      return JSON.parse(msg.json) as Value;
    } catch (cause) {
      throw new InvalidArgumentError(`value is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }
  return null;
}
