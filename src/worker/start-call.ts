/** Admits a call (method known, slot free, input decodes) and starts it, or answers why not. */
import type { ValueMsg } from "../proto/messages.js";
import type { CallSink } from "./call-sink.js";
import { CallError } from "./errors.js";
import { LiveCall } from "./live-call.js";
import { toCallErrorMsg } from "./to-call-error.js";
import type { Value } from "./types.js";
import { decodeValue } from "../common/values.js";
import type { WorkerCore } from "./worker-core.js";

export interface StartRequest {
  callId: string;
  method: string;
  input: ValueMsg | null | undefined;
  attempt: number;
  timeoutMs: number | null;
}

export function startCall(core: WorkerCore, req: StartRequest, via: "invoke" | "session", sink: CallSink, progressIntervalMs: number): LiveCall | null {
  const method = core.admit(req.method, via);
  if (method instanceof CallError) {
    sink.error(toCallErrorMsg(method, core.config.maxMessageBytes));
    return null;
  }
  let input: Value;
  try {
    input = decodeValue(req.input);
  } catch (err) {
    sink.error(toCallErrorMsg(err, core.config.maxMessageBytes));
    return null;
  }
  const call = new LiveCall(core, { callId: req.callId, method, input, attempt: req.attempt, timeoutMs: req.timeoutMs }, sink, progressIntervalMs);
  void call.run();
  return call;
}
