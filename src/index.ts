/** The library API: compile flows (`compile`) and run them on local workers (`run`, `runFlow`). */
import type { FlowIR } from "./ir/types.js";
import { validateIR } from "./ir/validate.js";
import { startRun, type RunHandle, type RunOptions } from "./run/run-flow.js";

export * from "./dsl/index.js";
export type * from "./ir/types.js";
export { validateIR, irSchema } from "./ir/validate.js";
export { evaluate, ExpressionError } from "./ir/evaluate.js";
export { startRun, runFlow, WorkerMismatchError, type RunOptions, type RunOutcome, type RunHandle } from "./run/run-flow.js";
export { runEngine, type EngineOptions, type EngineResult } from "./runtime/engine.js";
export { RunEvents, type RunEvent, type StepStats } from "./runtime/events.js";
export { CallFailedError, CallTimeoutError, RunCancelledError, StepError } from "./runtime/errors.js";
export { RunDirError } from "./run/run-dir-check.js";
export { findProjectRoot, projectRootOfFlow } from "./run/project-root.js";
export { WorkerFatalReportError } from "./run/fatal-report.js";
export { transportAuth, AuthConfigError, InsecureTransportError, type AuthFiles, type TransportAuth } from "./run/transport.js";
export type { Dispatcher, CallRequest } from "./runtime/dispatcher.js";

/**
 * Starts a compiled flow on local workers and returns at once: `events` (every RunEvent)
 * and `outcome` (the result, or the error that ended the run). Unlike `startRun`, it first
 * checks that `ir` is a compiled flow, so a forgotten diagnostics check or a hand-made IR
 * fails here with a message rather than deep in the runtime.
 */
export function run(ir: FlowIR, options: RunOptions = {}): RunHandle {
  if (ir === undefined || ir === null) {
    throw new TypeError("run(ir): no IR: compile() reports the flow's mistakes in `diagnostics` and gives no `ir` when there is one");
  }
  const problems = validateIR(ir);
  if (problems.length) throw new TypeError(`run(ir): not a compiled flow: ${problems.slice(0, 3).join("; ")}`);
  return startRun(ir, options);
}
