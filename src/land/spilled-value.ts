/**
 * A value too big for one message, moved to the land as its JSON text: a land reference of
 * media type {@link SPILLED_VALUE_MEDIA_TYPE} stands for the value itself. Whoever receives
 * one (a worker's SDK, the quarterback) reads it back as that value, never as a LandRef, so
 * a method or a flow sees the same value whether it came inline or through the land.
 */
import { randomUUID } from "node:crypto";
import type { Land } from "./land.js";
import { LandRef } from "./ref.js";

export const SPILLED_VALUE_MEDIA_TYPE = "application/vnd.quarterback.value+json";
/** The land folder spilled values are written to. */
export const SPILLED_VALUE_FOLDER = "values";

export function isSpilledValue(v: unknown): v is LandRef {
  return v instanceof LandRef && v.mediaType === SPILLED_VALUE_MEDIA_TYPE;
}

/** A spilled value whose file is not JSON. */
export class SpilledValueError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SpilledValueError";
  }
}

/** Writes a value's JSON text to the land under a fresh name and answers its reference. */
export function spillValue(land: Land, json: string): Promise<LandRef> {
  // a fresh name: call ids repeat across Session streams and replicas share the land
  return land.writeFile(`${SPILLED_VALUE_FOLDER}/${randomUUID()}.json`, json, { mediaType: SPILLED_VALUE_MEDIA_TYPE });
}

/** The value a spilled reference stands for: its file checked (path, size, SHA-256), then parsed. */
export async function readSpilledValue(land: Land, ref: LandRef): Promise<unknown> {
  const text = await land.readText(ref);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new SpilledValueError(ref.path, `spilled value ${JSON.stringify(ref.path)} is not JSON: ${(cause as Error).message}`, { cause });
  }
}
