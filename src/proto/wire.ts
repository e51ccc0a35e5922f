/**
 * Protobuf wire primitives for the hand-written Session codecs (session-codec.ts on the
 * caller's side, worker-session-codec.ts on the worker's): varints, strings, tags,
 * length-delimited fields, and batched frames.
 */

export const MAX_UINT32 = 0xffffffff;

export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

export function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** Below this length an ASCII string is measured and written in JavaScript (no call into C++). */
export const SHORT = 64;

/** UTF-8 length of `s`. */
export function utf8Length(s: string): number {
  if (s.length < SHORT) {
    let i = 0;
    while (i < s.length && s.charCodeAt(i) < 0x80) i++;
    if (i === s.length) return i;
  }
  return Buffer.byteLength(s);
}

/** Writes `s` (of UTF-8 length `len`) at `pos`; returns the position after it. */
export function writeString(buf: Buffer, pos: number, s: string, len: number): number {
  if (len === s.length && len < SHORT) {
    for (let i = 0; i < len; i++) buf[pos + i] = s.charCodeAt(i);
    return pos + len;
  }
  return pos + buf.write(s, pos);
}

/** A one-byte tag, then `n` as a varint (a length or a number); returns the position after it. */
export function writeTagged(buf: Buffer, pos: number, tag: number, n: number): number {
  buf[pos] = tag;
  return writeVarint(buf, pos + 1, n);
}

/** A length-delimited field's size: tag, length, bytes. */
export const fieldSize = (len: number): number => 1 + varintSize(len) + len;

/** Reads the length-delimited field whose length starts at `pos`: [start, end], or undefined if it overruns. */
export function lengthAt(buf: Buffer, pos: number, limit: number): [number, number] | undefined {
  let len = 0;
  let shift = 1;
  for (let i = 0; i < 5; i++) {
    if (pos >= limit) return undefined;
    const b = buf[pos++]!;
    len += (b & 0x7f) * shift;
    if (b < 0x80) return pos + len <= limit ? [pos, pos + len] : undefined;
    shift *= 128;
  }
  return undefined;
}

/**
 * A batched frame: an empty call id (written, as the generic encoder writes a string set to
 * ""), then length-delimited fields `tag` holding each of `parts`, one after another.
 */
export function frameBytes(tag: number, parts: Buffer[]): Buffer {
  let total = 2;
  for (const b of parts) total += fieldSize(b.length);
  const buf = Buffer.allocUnsafe(total);
  buf[0] = 0x0a; // call_id = 1, length 0
  buf[1] = 0;
  let p = 2;
  for (const b of parts) {
    p = writeTagged(buf, p, tag, b.length);
    p += b.copy(buf, p);
  }
  return buf;
}

/**
 * The items of a batched frame (what `frameBytes` wrote): an empty call id or none (an
 * encoder that leaves out fields set to their default), then only fields `tag`. Undefined
 * when the bytes hold anything else.
 */
export function frameItems(buf: Buffer, tag: number): Buffer[] | undefined {
  let pos = buf.length >= 2 && buf[0] === 0x0a && buf[1] === 0 ? 2 : 0;
  if (pos >= buf.length) return undefined;
  const items: Buffer[] = [];
  while (pos < buf.length) {
    if (buf[pos] !== tag) return undefined;
    const f = lengthAt(buf, pos + 1, buf.length);
    if (!f) return undefined;
    items.push(buf.subarray(f[0], f[1]));
    pos = f[1];
  }
  return items;
}

/** SessionIn.batch = 5 and SessionOut.batch = 8, length-delimited. */
export const IN_BATCH_TAG = 0x2a;
export const OUT_BATCH_TAG = 0x42;

/** A varint at `pos` (up to 2^53): [value, position after it], or undefined if it overruns or is longer. */
export function readVarint(buf: Buffer, pos: number, limit: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (pos >= limit) return undefined;
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return Number.isSafeInteger(value) ? [value, pos] : undefined;
    scale *= 128;
  }
  return undefined;
}

/**
 * The `batch` of a decoded message that carries none: the generic decoder gives each
 * message an empty array of its own; the fast decoders share this one (frozen), one
 * allocation less per call.
 */
export const NO_BATCH: never[] = Object.freeze([]) as unknown as never[];
