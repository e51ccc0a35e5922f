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
  frameBytes,
  frameItems,
  IN_BATCH_TAG,
  lengthAt,
  MAX_UINT32,
  NO_BATCH,
  OUT_BATCH_TAG,
  utf8Length,
  varintSize,
  writeString,
  writeTagged,
} from "./wire.js";

/**
 * `{callId, start: {method, input: {json}, timeoutMs, attempt}}` as bytes, or undefined
 * when the message has any other shape.
 */
export function encodeStart(msg: SessionInMsg): Buffer | undefined {
  const start = msg.start;
  if (!start || typeof msg.callId !== "string" || msg.signal != null || msg.cancel != null || (msg.batch !== undefined && msg.batch.length > 0))
    return undefined;
  const { method, input, timeoutMs, attempt } = start;
  if (typeof method !== "string" || !input || typeof input.json !== "string" || input.land != null) return undefined;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0 || !Number.isInteger(attempt) || attempt < 0 || attempt > MAX_UINT32) return undefined;
  const idLen = utf8Length(msg.callId);
  const methodLen = utf8Length(method);
  const jsonLen = utf8Length(input.json);
  const inputLen = fieldSize(jsonLen);
  const startLen = fieldSize(methodLen) + fieldSize(inputLen) + 1 + varintSize(timeoutMs) + 1 + varintSize(attempt);
  const buf = Buffer.allocUnsafe(fieldSize(idLen) + fieldSize(startLen));
  let p = writeString(buf, writeTagged(buf, 0, 0x0a, idLen), msg.callId, idLen); // SessionIn.call_id = 1
  p = writeTagged(buf, p, 0x12, startLen); // SessionIn.start = 2
  p = writeString(buf, writeTagged(buf, p, 0x0a, methodLen), method, methodLen); // Start.method = 1
  p = writeTagged(buf, p, 0x12, inputLen); // Start.input = 2
  p = writeString(buf, writeTagged(buf, p, 0x0a, jsonLen), input.json, jsonLen); // Value.json = 1
  p = writeTagged(buf, p, 0x18, timeoutMs); // Start.timeout_ms = 3
  writeTagged(buf, p, 0x20, attempt); // Start.attempt = 4
  return buf;
}

/**
 * `{batch: [], callId, workerMs, result: {json, kind: "json"}, msg: "result"}` from bytes, or undefined
 * when the message is anything else (progress, error, a land value, an unknown or repeated field...).
 */
export function decodeResult(buf: Buffer): SessionOutMsg | undefined {
  let callId = "";
  let json: string | undefined;
  let seenId = false;
  let workerMs: number | undefined;
  let pos = 0;
  while (pos < buf.length) {
    const tag = buf[pos++];
    if (tag === 0x0a && !seenId) {
      // SessionOut.call_id = 1
      const f = lengthAt(buf, pos, buf.length);
      if (!f) return undefined;
      callId = buf.toString("utf8", f[0], f[1]);
      seenId = true;
      pos = f[1];
    } else if (tag === 0x2a && json === undefined) {
      // SessionOut.result = 5, a Value holding exactly one `json` field
      const f = lengthAt(buf, pos, buf.length);
      if (!f || buf[f[0]] !== 0x0a) return undefined;
      const s = lengthAt(buf, f[0] + 1, f[1]);
      if (!s || s[1] !== f[1]) return undefined;
      json = buf.toString("utf8", s[0], s[1]);
      pos = f[1];
    } else if (tag === 0x39 && workerMs === undefined && pos + 8 <= buf.length) {
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
 * A SessionOut frame made only of batched messages, each read by `one`; undefined when the
 * bytes hold anything else (the generic decoder reads those).
 */
export function decodeBatch(buf: Buffer, one: (item: Buffer) => SessionOutMsg): SessionOutMsg | undefined {
  const items = frameItems(buf, OUT_BATCH_TAG);
  // the generic decoder's object, keys in its order
  return items && { batch: items.map(one), callId: "", workerMs: 0 };
}

/** The Session method with the fast codec in front of the generic one (caller's side). */
export function withFastSessionCodec(method: MethodDefinition<SessionInMsg, SessionOutMsg>): MethodDefinition<SessionInMsg, SessionOutMsg> {
  const serialize = method.requestSerialize;
  const deserialize = method.responseDeserialize;
  const encodeOne = (msg: SessionInMsg): Buffer => encodeStart(msg) ?? serialize(msg);
  const decodeOne = (buf: Buffer): SessionOutMsg => decodeResult(buf) ?? deserialize(buf);
  return {
    ...method,
    requestSerialize: (msg: SessionInMsg) => {
      const batch = onlyBatch(msg);
      return batch ? frameBytes(IN_BATCH_TAG, batch.map(encodeOne)) : encodeOne(msg);
    },
    responseDeserialize: (buf: Buffer) => decodeResult(buf) ?? decodeBatch(buf, decodeOne) ?? deserialize(buf),
  };
}
