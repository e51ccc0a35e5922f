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
    const sink = new InvokeSink(core, callId, callback);
    const deadline = deadlineMs(call.getDeadline());
    const timeoutMs = deadline === null ? null : Math.max(0, deadline - Date.now());
    const live = startCall(core, { callId, method: req.method, input: req.input, attempt: req.attempt, timeoutMs }, "invoke", sink, PROGRESS_INTERVAL_MS);
    if (!live) return;
    call.on("cancelled", () => {
      // the client went away or the deadline passed; either way nobody reads a reply
      // the client's own deadline timer usually fires first, and a busy server receives the
      // call late (so its deadline is later): a cancel near the deadline is the deadline
      const late = deadline !== null && timeoutMs !== null && Date.now() >= deadline - Math.max(50, timeoutMs * 0.1);
      live.abort(late ? new DeadlineExceededError(timeoutMs) : new CancelledError(), false);
    });
  };
}

function deadlineMs(d: grpc.Deadline): number | null {
  const ms = d instanceof Date ? d.getTime() : d;
  return Number.isFinite(ms) ? ms : null;
}

/** One Invoke's answer (a class, not closures: calls are many and short). */
class InvokeSink implements CallSink {
  constructor(
    private readonly core: WorkerCore,
    private readonly callId: string,
    private readonly callback: grpc.sendUnaryData<OutputMsg>,
  ) {}

  progress(fraction: number, message: string): void {
    if (this.core.reporter.address !== null) void this.core.reporter.report({ kind: "progress", fraction, message, callId: this.callId });
  }

  yielded(): void {}

  awaiting(): void {}

  result(value: ValueMsg, workerMs: number): void {
    this.callback(null, { result: value, workerMs });
  }

  error(error: CallErrorMsg, workerMs?: number): void {
    this.callback(null, workerMs === undefined ? { error } : { error, workerMs });
  }
}
