/**
 * The worker's side of the fast Session codec (session-codec.ts is the caller's): a start
 * with a JSON input, or a batched frame of them, is read straight from the bytes, and a
 * JSON result, or a batched frame, is written straight to bytes. The objects are exactly
 * the generic decoder's and the bytes exactly the generic encoder's; anything else takes
 * the generic path.
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
  readVarint,
  utf8Length,
  writeString,
  writeTagged,
} from "./wire.js";

/** The Start inside a SessionIn, from `pos` to `end`; undefined for anything but a JSON input. */
function readStart(buf: Buffer, pos: number, end: number): SessionInMsg["start"] | undefined {
  let method: string | undefined;
  let json: string | undefined;
  let timeoutMs: number | undefined;
  let attempt: number | undefined;
  while (pos < end) {
    const tag = buf[pos++];
    if (tag === 0x0a && method === undefined) {
      const f = lengthAt(buf, pos, end);
      if (!f) return undefined;
      method = buf.toString("utf8", f[0], f[1]);
      pos = f[1];
    } else if (tag === 0x12 && json === undefined) {
      // Start.input, a Value holding exactly one `json` field
      const f = lengthAt(buf, pos, end);
      if (!f || buf[f[0]] !== 0x0a) return undefined;
      const s = lengthAt(buf, f[0] + 1, f[1]);
      if (!s || s[1] !== f[1]) return undefined;
      json = buf.toString("utf8", s[0], s[1]);
      pos = f[1];
    } else if (tag === 0x18 && timeoutMs === undefined) {
      const v = readVarint(buf, pos, end);
      if (!v) return undefined;
      [timeoutMs, pos] = v;
    } else if (tag === 0x20 && attempt === undefined) {
      const v = readVarint(buf, pos, end);
      if (!v || v[0] > MAX_UINT32) return undefined;
      [attempt, pos] = v;
    } else return undefined;
  }
  if (json === undefined) return undefined;
  return { method: method ?? "", input: { json, kind: "json" }, timeoutMs: timeoutMs ?? 0, attempt: attempt ?? 0 };
}

/** `{batch: [], callId, start: {...}, msg: "start"}` from bytes, or undefined for any other message. */
export function decodeStart(buf: Buffer): SessionInMsg | undefined {
  let callId: string | undefined;
  let start: SessionInMsg["start"] | undefined;
  let pos = 0;
  while (pos < buf.length) {
    const tag = buf[pos++];
    const f = lengthAt(buf, pos, buf.length);
    if (!f) return undefined;
    if (tag === 0x0a && callId === undefined) callId = buf.toString("utf8", f[0], f[1]);
    else if (tag === 0x12 && start === undefined) {
      start = readStart(buf, f[0], f[1]);
      if (!start) return undefined;
    } else return undefined;
    pos = f[1];
  }
  if (!start) return undefined;
  // the generic decoder's object, keys in its order
  return { batch: NO_BATCH, callId: callId ?? "", start, msg: "start" };
}

/** A SessionIn frame made only of batched messages, each read by `one`; undefined for anything else. */
export function decodeInBatch(buf: Buffer, one: (item: Buffer) => SessionInMsg): SessionInMsg | undefined {
  const items = frameItems(buf, IN_BATCH_TAG);
  // the generic decoder's object, keys in its order
  return items && { batch: items.map(one), callId: "" };
}

/** `{callId, result: {json}, workerMs?}` as bytes, or undefined when the message has any other shape. */
export function encodeResult(msg: SessionOutMsg): Buffer | undefined {
  const result = msg.result;
  if (!result || typeof result.json !== "string" || result.land != null || typeof msg.callId !== "string") return undefined;
  if (msg.progress != null || msg.yielded != null || msg.awaiting != null || msg.error != null || (msg.batch !== undefined && msg.batch.length > 0))
    return undefined;
  const workerMs = msg.workerMs;
  if (workerMs !== undefined && typeof workerMs !== "number") return undefined;
  const idLen = utf8Length(msg.callId);
  const jsonLen = utf8Length(result.json);
  const valueLen = fieldSize(jsonLen);
  const buf = Buffer.allocUnsafe(fieldSize(idLen) + fieldSize(valueLen) + (workerMs === undefined ? 0 : 9));
  let p = writeString(buf, writeTagged(buf, 0, 0x0a, idLen), msg.callId, idLen); // SessionOut.call_id = 1
  p = writeTagged(buf, p, 0x2a, valueLen); // SessionOut.result = 5
  p = writeString(buf, writeTagged(buf, p, 0x0a, jsonLen), result.json, jsonLen); // Value.json = 1
  if (workerMs !== undefined) {
    buf[p] = 0x39; // SessionOut.worker_ms = 7, a double
    buf.writeDoubleLE(workerMs, p + 1);
  }
  return buf;
}

/** The Session method with the fast codec in front of the generic one (worker's side). */
export function withFastWorkerSessionCodec(method: MethodDefinition<SessionInMsg, SessionOutMsg>): MethodDefinition<SessionInMsg, SessionOutMsg> {
  const serialize = method.responseSerialize;
  const deserialize = method.requestDeserialize;
  const encodeOne = (msg: SessionOutMsg): Buffer => encodeResult(msg) ?? serialize(msg);
  const decodeOne = (buf: Buffer): SessionInMsg => decodeStart(buf) ?? deserialize(buf);
  return {
    ...method,
    responseSerialize: (msg: SessionOutMsg) => {
      const batch = msg.batch;
      // a frame with nothing of its own but its batch (sessionOutFrame's)
      const onlyBatch =
        batch !== undefined &&
        batch.length > 0 &&
        msg.callId === "" &&
        msg.progress == null &&
        msg.yielded == null &&
        msg.awaiting == null &&
        msg.result == null &&
        msg.error == null &&
        msg.workerMs === undefined;
      return onlyBatch ? frameBytes(OUT_BATCH_TAG, batch.map(encodeOne)) : encodeOne(msg);
    },
    requestDeserialize: (buf: Buffer) => decodeStart(buf) ?? decodeInBatch(buf, decodeOne) ?? deserialize(buf),
  };
}
