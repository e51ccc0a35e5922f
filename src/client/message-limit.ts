/** The message limit on what workers answer, checked on the JSON text before it is parsed. */
import type { ValueMsg } from "../proto/messages.js";

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
