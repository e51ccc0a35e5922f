/** The library API: compile flows (`compile`) and run them on local workers (`startRun`, `runFlow`). */
export * from "./dsl/index.js";
export type * from "./ir/types.js";
export { validateIR, irSchema } from "./ir/validate.js";
export { evaluate, ExpressionError } from "./ir/evaluate.js";
export { startRun, runFlow, WorkerMismatchError, type RunOptions, type RunOutcome, type RunHandle } from "./run/run-flow.js";
export { runEngine, type EngineOptions, type EngineResult } from "./runtime/engine.js";
export { RunEvents, type RunEvent, type StepStats } from "./runtime/events.js";
export { CallFailedError, CallTimeoutError, RunCancelledError, StepError } from "./runtime/errors.js";
export type { Dispatcher, CallRequest } from "./runtime/dispatcher.js";
