/**
 * A faster codec for the two messages that make up nearly all Session traffic on the
 * caller's side: a SessionIn with a JSON `start`, and a SessionOut with a JSON `result`.
 * @grpc/proto-loader's generic codec copies every message into a protobufjs object and
 * back (fromObject/toObject) and builds it through a list of write operations; for these
 * two shapes the bytes are written and read directly. The bytes written are exactly the
 * generic encoder's (same fields, same order), and a decoded result has exactly the
 * generic decoder's shape; any other message, or anything unusual, takes the generic path.
 */
import type { MethodDefinition } from "@grpc/grpc-js";
import type { SessionInMsg, SessionOutMsg } from "./messages.js";
import {
  fieldSize,
  forEachItem,
  frameOf,
  IN_BATCH_TAG,
  MAX_UINT32,
  NO_BATCH,
  OUT_BATCH_TAG,
  readField,
  readJsonValue,
  type Span,
  utf8Length,
  varintSize,
  writeString,
  writeTagged,
} from "./wire.js";

/** A start with a JSON input and nothing else (the shape `encodeStart` writes), else undefined. */
function plainStart(msg: SessionInMsg): NonNullable<SessionInMsg["start"]> | undefined {
  const start = msg.start;
  if (!start || typeof msg.callId !== "string" || msg.signal != null || msg.cancel != null || (msg.batch !== undefined && msg.batch.length > 0))
    return undefined;
  const { method, input, timeoutMs, attempt } = start;
  if (typeof method !== "string" || !input || typeof input.json !== "string" || input.land != null) return undefined;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0 || !Number.isInteger(attempt) || attempt < 0 || attempt > MAX_UINT32) return undefined;
  return start;
}

/** The size of a plain start's bytes (see `plainStart`), or -1 for any other message. */
export function startSize(msg: SessionInMsg): number {
  const start = plainStart(msg);
  if (!start) return -1;
  const inputLen = fieldSize(utf8Length(start.input!.json!));
  return (
    fieldSize(utf8Length(msg.callId)) +
    fieldSize(fieldSize(utf8Length(start.method)) + fieldSize(inputLen) + 1 + varintSize(start.timeoutMs) + 1 + varintSize(start.attempt))
  );
}

/** Writes a plain start (startSize's) at `pos`; returns the position after it. */
export function writeStart(buf: Buffer, pos: number, msg: SessionInMsg): number {
  const { method, input, timeoutMs, attempt } = msg.start!;
  const json = input!.json!;
  const idLen = utf8Length(msg.callId);
  const methodLen = utf8Length(method);
  const jsonLen = utf8Length(json);
  const inputLen = fieldSize(jsonLen);
  const startLen = fieldSize(methodLen) + fieldSize(inputLen) + 1 + varintSize(timeoutMs) + 1 + varintSize(attempt);
  let p = writeString(buf, writeTagged(buf, pos, 0x0a, idLen), msg.callId, idLen); // SessionIn.call_id = 1
  p = writeTagged(buf, p, 0x12, startLen); // SessionIn.start = 2
  p = writeString(buf, writeTagged(buf, p, 0x0a, methodLen), method, methodLen); // Start.method = 1
  p = writeTagged(buf, p, 0x12, inputLen); // Start.input = 2
  p = writeString(buf, writeTagged(buf, p, 0x0a, jsonLen), json, jsonLen); // Value.json = 1
  p = writeTagged(buf, p, 0x18, timeoutMs); // Start.timeout_ms = 3
  return writeTagged(buf, p, 0x20, attempt); // Start.attempt = 4
}

/**
 * `{callId, start: {method, input: {json}, timeoutMs, attempt}}` as bytes, or undefined
 * when the message has any other shape.
 */
export function encodeStart(msg: SessionInMsg): Buffer | undefined {
  const size = startSize(msg);
  if (size < 0) return undefined;
  const buf = Buffer.allocUnsafe(size);
  writeStart(buf, 0, msg);
  return buf;
}

const outer: Span = { start: 0, end: 0 };

/**
 * `{batch: [], callId, workerMs, result: {json, kind: "json"}, msg: "result"}` from the bytes
 * `from`..`to` (the whole buffer by default), or undefined when the message is anything else
 * (progress, error, a land value, an unknown or repeated field...).
 */
export function decodeResult(buf: Buffer, from = 0, to = buf.length): SessionOutMsg | undefined {
  let callId = "";
  let json: string | undefined;
  let seenId = false;
  let workerMs: number | undefined;
  let pos = from;
  while (pos < to) {
    const tag = buf[pos++];
    if (tag === 0x0a && !seenId) {
      // SessionOut.call_id = 1
      if (!readField(buf, pos, to, outer)) return undefined;
      callId = buf.toString("utf8", outer.start, outer.end);
      seenId = true;
      pos = outer.end;
    } else if (tag === 0x2a && json === undefined) {
      // SessionOut.result = 5, a Value holding exactly one `json` field
      json = readJsonValue(buf, pos, to, outer);
      if (json === undefined) return undefined;
      pos = outer.end;
    } else if (tag === 0x39 && workerMs === undefined && pos + 8 <= to) {
      // SessionOut.worker_ms = 7, a double (8 bytes, little-endian)
      workerMs = buf.readDoubleLE(pos);
      pos += 8;
    } else {
      return undefined;
    }
  }
  if (json === undefined) return undefined;
  // the generic decoder's object, keys in its order (defaults first)
  return { batch: NO_BATCH, callId, workerMs: workerMs ?? 0, result: { json, kind: "json" }, msg: "result" };
}

/** A frame that is only a batch (no call id, no message of its own): its items, else undefined. */
function onlyBatch(msg: SessionInMsg): SessionInMsg[] | undefined {
  const batch = msg.batch;
  if (!batch || batch.length === 0 || msg.callId !== "" || msg.start != null || msg.signal != null || msg.cancel != null) return undefined;
  return batch;
}

/**
 * A SessionOut frame made only of batched messages: results read where they lie, any other
 * message by `other` (the generic decoder) from a Buffer of its own; undefined when the
 * bytes hold anything else (the generic decoder reads those).
 */
export function decodeBatch(buf: Buffer, other: (item: Buffer) => SessionOutMsg): SessionOutMsg | undefined {
  const batch: SessionOutMsg[] = [];
  const read = (start: number, end: number): void => void batch.push(decodeResult(buf, start, end) ?? other(buf.subarray(start, end)));
  // the generic decoder's object, keys in its order
  return forEachItem(buf, OUT_BATCH_TAG, read) ? { batch, callId: "", workerMs: 0 } : undefined;
}

/** The Session method with the fast codec in front of the generic one (caller's side). */
export function withFastSessionCodec(method: MethodDefinition<SessionInMsg, SessionOutMsg>): MethodDefinition<SessionInMsg, SessionOutMsg> {
  const serialize = method.requestSerialize;
  const deserialize = method.responseDeserialize;
  return {
    ...method,
    requestSerialize: (msg: SessionInMsg) => {
      const batch = onlyBatch(msg);
      return batch ? frameOf(IN_BATCH_TAG, batch, startSize, writeStart, serialize) : (encodeStart(msg) ?? serialize(msg));
    },
    responseDeserialize: (buf: Buffer) => decodeResult(buf) ?? decodeBatch(buf, deserialize) ?? deserialize(buf),
  };
}
