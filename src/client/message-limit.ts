/** The message limit on what workers answer, checked on the JSON text before it is parsed. */
import type { ValueMsg } from "../proto/messages.js";
import type { Value } from "../common/values.js";

/** The quarterback's own limit on one message from a worker (64 MiB); a worker may declare less. */
export const QUARTERBACK_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** The value's size in bytes when it is over `limit`, else undefined (UTF-8 measured only when it could be). */
export function overLimit(value: ValueMsg | null | undefined, limit: number | undefined): number | undefined {
  const json = value?.json;
  if (limit === undefined || json === undefined || json.length * 3 <= limit) return undefined;
  // a UTF-16 unit is at least one byte: longer than the limit in units is over it in bytes
  const bytes = json.length > limit ? json.length : Buffer.byteLength(json, "utf8");
  return bytes > limit ? bytes : undefined;
}

/**
 * Moves an input too big for the worker's messages to the land (the replica sets it when the
 * worker reads spilled values): given the value's JSON text, answers the land reference to
 * send in its place.
 */
export type SpillInput = (json: string) => Promise<Value>;

/** Where a client may spill: the hook, and the largest input (bytes of JSON) sent inline. */
export interface InputSpill {
  spill: SpillInput;
  maxInlineBytes: number;
}

/** The input's JSON text when it must be spilled, else undefined. */
export function mustSpill(msg: ValueMsg, spill: InputSpill | undefined): string | undefined {
  return spill !== undefined && overLimit(msg, spill.maxInlineBytes) !== undefined ? msg.json : undefined;
}
