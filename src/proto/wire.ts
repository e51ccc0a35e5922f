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

/** Where a length-delimited field's bytes are: filled by {@link readField}, reused (no array per field). */
export interface Span {
  start: number;
  end: number;
}

/** Reads the length-delimited field whose length starts at `pos` into `span`; false if it overruns. */
export function readField(buf: Buffer, pos: number, limit: number, span: Span): boolean {
  let len = 0;
  let shift = 1;
  for (let i = 0; i < 5; i++) {
    if (pos >= limit) return false;
    const b = buf[pos++]!;
    len += (b & 0x7f) * shift;
    if (b < 0x80) {
      if (pos + len > limit) return false;
      span.start = pos;
      span.end = pos + len;
      return true;
    }
    shift *= 128;
  }
  return false;
}

/**
 * A batched frame of `msgs`, each written straight into the frame by `write` when `size`
 * (its encoded size, or -1) says it can be, else encoded by `other` and copied: one buffer
 * for the frame, none per message. A frame is an empty call id (written, as the generic
 * encoder writes a string set to ""), then length-delimited fields `tag`, one per message.
 */
export function frameOf<M>(
  tag: number,
  msgs: readonly M[],
  size: (msg: M) => number,
  write: (buf: Buffer, pos: number, msg: M) => number,
  other: (msg: M) => Buffer,
): Buffer {
  const sizes = frameSizes.length >= msgs.length ? frameSizes : (frameSizes = new Array<number>(msgs.length * 2));
  const others: Array<Buffer | undefined> = [];
  let total = 2;
  for (let i = 0; i < msgs.length; i++) {
    let n = size(msgs[i]!);
    if (n < 0) {
      const b = other(msgs[i]!);
      others[i] = b;
      n = b.length;
    }
    sizes[i] = n;
    total += fieldSize(n);
  }
  const buf = Buffer.allocUnsafe(total);
  buf[0] = 0x0a; // call_id = 1, length 0
  buf[1] = 0;
  let p = 2;
  for (let i = 0; i < msgs.length; i++) {
    p = writeTagged(buf, p, tag, sizes[i]!);
    const b = others[i];
    p = b === undefined ? write(buf, p, msgs[i]!) : p + b.copy(buf, p);
  }
  return buf;
}

/** frameOf's sizes, kept from frame to frame. */
let frameSizes: number[] = [];

/**
 * Calls `each(start, end)` for every item of a batched frame (what `frameOf` writes; the
 * empty call id may be left out, as encoders that skip default fields do), no Buffer made
 * per item; false, before any call, when the bytes hold anything else.
 */
export function forEachItem(buf: Buffer, tag: number, each: (start: number, end: number) => void): boolean {
  const first = buf.length >= 2 && buf[0] === 0x0a && buf[1] === 0 ? 2 : 0;
  if (first >= buf.length) return false;
  // checked whole first: a frame is read only when all of it is well formed
  for (let pos = first; pos < buf.length; pos = itemSpan.end) {
    if (buf[pos] !== tag || !readField(buf, pos + 1, buf.length, itemSpan)) return false;
  }
  for (let pos = first; pos < buf.length;) {
    readField(buf, pos + 1, buf.length, itemSpan);
    const { start, end } = itemSpan;
    each(start, end);
    pos = end;
  }
  return true;
}

const itemSpan: Span = { start: 0, end: 0 };

/**
 * A `Value` field holding exactly one `json` field, its length starting at `pos`: the JSON
 * text, with `span` set to the whole field; undefined for any other Value (a land
 * reference, extra fields) or bytes that overrun `limit`.
 */
export function readJsonValue(buf: Buffer, pos: number, limit: number, span: Span): string | undefined {
  if (!readField(buf, pos, limit, span) || buf[span.start] !== 0x0a) return undefined; // Value.json = 1
  if (!readField(buf, span.start + 1, span.end, jsonSpan) || jsonSpan.end !== span.end) return undefined;
  return buf.toString("utf8", jsonSpan.start, jsonSpan.end);
}

const jsonSpan: Span = { start: 0, end: 0 };

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
