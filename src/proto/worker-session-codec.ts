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
  forEachItem,
  frameOf,
  IN_BATCH_TAG,
  MAX_UINT32,
  NO_BATCH,
  OUT_BATCH_TAG,
  readField,
  readJsonValue,
  readVarint,
  type Span,
  utf8Length,
  writeString,
  writeTagged,
} from "./wire.js";

const field: Span = { start: 0, end: 0 };

/** The Start inside a SessionIn, from `pos` to `end`; undefined for anything but a JSON input. */
function readStart(buf: Buffer, pos: number, end: number): SessionInMsg["start"] | undefined {
  let method: string | undefined;
  let json: string | undefined;
  let timeoutMs: number | undefined;
  let attempt: number | undefined;
  while (pos < end) {
    const tag = buf[pos++];
    if (tag === 0x0a && method === undefined) {
      if (!readField(buf, pos, end, field)) return undefined;
      method = buf.toString("utf8", field.start, field.end);
      pos = field.end;
    } else if (tag === 0x12 && json === undefined) {
      // Start.input, a Value holding exactly one `json` field
      json = readJsonValue(buf, pos, end, field);
      if (json === undefined) return undefined;
      pos = field.end;
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

const outer: Span = { start: 0, end: 0 };

/**
 * `{batch: [], callId, start: {...}, msg: "start"}` from the bytes `from`..`to` (the whole
 * buffer by default), or undefined for any other message.
 */
export function decodeStart(buf: Buffer, from = 0, to = buf.length): SessionInMsg | undefined {
  let callId: string | undefined;
  let start: SessionInMsg["start"] | undefined;
  let pos = from;
  while (pos < to) {
    const tag = buf[pos++];
    if (!readField(buf, pos, to, outer)) return undefined;
    const { start: s, end: e } = outer;
    if (tag === 0x0a && callId === undefined) callId = buf.toString("utf8", s, e);
    else if (tag === 0x12 && start === undefined) {
      start = readStart(buf, s, e);
      if (!start) return undefined;
    } else return undefined;
    pos = e;
  }
  if (!start) return undefined;
  // the generic decoder's object, keys in its order
  return { batch: NO_BATCH, callId: callId ?? "", start, msg: "start" };
}

/** A SessionIn frame made only of batched messages; undefined for anything else. */
export function decodeInBatch(buf: Buffer, other: (item: Buffer) => SessionInMsg): SessionInMsg | undefined {
  const batch: SessionInMsg[] = [];
  // a start is read where it lies; any other message by `other` (the generic decoder) from a Buffer of its own
  const read = (start: number, end: number): void => void batch.push(decodeStart(buf, start, end) ?? other(buf.subarray(start, end)));
  // the generic decoder's object, keys in its order
  return forEachItem(buf, IN_BATCH_TAG, read) ? { batch, callId: "" } : undefined;
}

/** Whether a message is a plain JSON result: a call id, a JSON `result`, a `workerMs` or none, nothing else. */
function plainResult(msg: SessionOutMsg): boolean {
  const result = msg.result;
  if (!result || typeof result.json !== "string" || result.land != null || typeof msg.callId !== "string") return false;
  if (msg.progress != null || msg.yielded != null || msg.awaiting != null || msg.error != null || (msg.batch !== undefined && msg.batch.length > 0))
    return false;
  return msg.workerMs === undefined || typeof msg.workerMs === "number";
}

/** The size of a plain JSON result's bytes (`{callId, result: {json}, workerMs?}`), or -1 for any other message. */
export function resultSize(msg: SessionOutMsg): number {
  if (!plainResult(msg)) return -1;
  return fieldSize(utf8Length(msg.callId)) + fieldSize(fieldSize(utf8Length(msg.result!.json!))) + (msg.workerMs === undefined ? 0 : 9);
}

/** Writes a plain JSON result (resultSize's) at `pos`; returns the position after it. */
export function writeResult(buf: Buffer, pos: number, msg: SessionOutMsg): number {
  const json = msg.result!.json!;
  const idLen = utf8Length(msg.callId);
  const jsonLen = utf8Length(json);
  let p = writeString(buf, writeTagged(buf, pos, 0x0a, idLen), msg.callId, idLen); // SessionOut.call_id = 1
  p = writeTagged(buf, p, 0x2a, fieldSize(jsonLen)); // SessionOut.result = 5
  p = writeString(buf, writeTagged(buf, p, 0x0a, jsonLen), json, jsonLen); // Value.json = 1
  if (msg.workerMs === undefined) return p;
  buf[p] = 0x39; // SessionOut.worker_ms = 7, a double
  buf.writeDoubleLE(msg.workerMs, p + 1);
  return p + 9;
}

/** `{callId, result: {json}, workerMs?}` as bytes, or undefined when the message has any other shape. */
export function encodeResult(msg: SessionOutMsg): Buffer | undefined {
  const size = resultSize(msg);
  if (size < 0) return undefined;
  const buf = Buffer.allocUnsafe(size);
  writeResult(buf, 0, msg);
  return buf;
}

/** The Session method with the fast codec in front of the generic one (worker's side). */
export function withFastWorkerSessionCodec(method: MethodDefinition<SessionInMsg, SessionOutMsg>): MethodDefinition<SessionInMsg, SessionOutMsg> {
  const serialize = method.responseSerialize;
  const deserialize = method.requestDeserialize;
  const encodeOne = (msg: SessionOutMsg): Buffer => encodeResult(msg) ?? serialize(msg);
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
      return onlyBatch ? frameOf(OUT_BATCH_TAG, batch, resultSize, writeResult, serialize) : encodeOne(msg);
    },
    requestDeserialize: (buf: Buffer) => decodeStart(buf) ?? decodeInBatch(buf, deserialize) ?? deserialize(buf),
  };
}
