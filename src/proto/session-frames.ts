/**
 * Batched Session frames, both sides (docs/worker-protocol.md, "Batched frames"): how a
 * batch is wrapped and unwrapped, how big a message is guessed to be, and the metadata that
 * lets a worker batch its answers.
 */
import type { SessionInMsg, SessionOutMsg, ValueMsg } from "./messages.js";

/** Session call metadata: the caller reads batched SessionOut frames (value "1"). */
export const SESSION_BATCHES_METADATA = "qb-session-batches";

export const sessionInFrame = (batch: SessionInMsg[]): SessionInMsg => ({ callId: "", batch });
export const sessionOutFrame = (batch: SessionOutMsg[]): SessionOutMsg => ({ callId: "", batch });

/** Every message a frame carries, in order: its own (if it has one), then its batch's. */
export function eachInFrame<M extends { msg?: string | undefined; callId: string; batch?: M[] | undefined }>(frame: M, each: (msg: M) => void): void {
  const batch = frame.batch;
  if (batch === undefined || batch.length === 0) return each(frame);
  // a frame that only carries a batch has no message of its own (call id empty, nothing set)
  if (frame.msg !== undefined || frame.callId !== "") each(frame);
  for (const msg of batch) eachInFrame(msg, each);
}

/** Fixed bytes a message costs besides its strings: tags, lengths, numbers. */
const FIXED = 24;

function valueSize(v: ValueMsg | null | undefined): number {
  if (!v) return 0;
  if (v.json !== undefined) return v.json.length;
  // a land reference: path, hash, media type and stamp
  return v.land ? v.land.path.length + v.land.mediaType.length + (v.land.stamp?.length ?? 0) + 80 : 0;
}

/** A SessionIn's size on the wire, estimated from its strings' lengths. */
export function sessionInSize(m: SessionInMsg): number {
  const own = m.start
    ? m.start.method.length + valueSize(m.start.input)
    : m.signal
      ? m.signal.name.length + valueSize(m.signal.value)
      : m.cancel
        ? m.cancel.reason.length
        : 0;
  return FIXED + m.callId.length + own;
}

/** A SessionOut's size on the wire, estimated from its strings' lengths. */
export function sessionOutSize(m: SessionOutMsg): number {
  const own = m.result
    ? valueSize(m.result)
    : m.yielded
      ? valueSize(m.yielded.value)
      : m.error
        ? m.error.message.length + m.error.details.length + m.error.type.length
        : m.progress
          ? m.progress.message.length
          : m.awaiting
            ? m.awaiting.signal.length
            : 0;
  return FIXED + m.callId.length + own;
}
