/**
 * Worker.Invoke: one call per gRPC call. The gRPC deadline is the call's deadline; the
 * caller cancelling the gRPC call cancels the call. Progress has no way back over a unary
 * call, so it goes to the callback service when there is one (at most every 500 ms).
 */
import * as grpc from "@grpc/grpc-js";
import type { InputMsg, OutputMsg, ValueMsg, CallErrorMsg } from "../proto/messages.js";
import type { CallSink } from "./call-sink.js";
import { CancelledError, DeadlineExceededError } from "./errors.js";
import { startCall } from "./start-call.js";
import type { WorkerCore } from "./worker-core.js";

const PROGRESS_INTERVAL_MS = 500;

export function invokeHandler(core: WorkerCore): grpc.handleUnaryCall<InputMsg, OutputMsg> {
  return (call, callback) => {
    const req = call.request;
    const callId = req.callId || "";
    const sink: CallSink = {
      progress: (fraction, message) => {
        if (core.reporter.address !== null) void core.reporter.report({ kind: "progress", fraction, message, callId });
      },
      yielded: () => undefined,
      awaiting: () => undefined,
      result: (value: ValueMsg) => callback(null, { result: value }),
      error: (error: CallErrorMsg) => callback(null, { error }),
    };
    const deadline = deadlineMs(call.getDeadline());
    const timeoutMs = deadline === null ? null : Math.max(0, deadline - Date.now());
    const live = startCall(core, { callId, method: req.method, input: req.input, attempt: req.attempt, timeoutMs }, "invoke", sink, PROGRESS_INTERVAL_MS);
    if (!live) return;
    call.on("cancelled", () => {
      // the client went away or the deadline passed; either way nobody reads a reply
      const late = deadline !== null && Date.now() >= deadline - 5;
      live.abort(late ? new DeadlineExceededError(timeoutMs) : new CancelledError(), false);
    });
  };
}

function deadlineMs(d: grpc.Deadline): number | null {
  const ms = d instanceof Date ? d.getTime() : d;
  return Number.isFinite(ms) ? ms : null;
}
