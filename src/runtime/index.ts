/** The engine: channels, stages, calls with retries and deadlines, held calls and rounds, cancellation, events. No processes, no gRPC. */
export { runEngine, type EngineOptions, type EngineResult } from "./engine.js";
export type { Dispatcher, CallRequest, HeldRequest, HeldHandle, CallAbout } from "./dispatcher.js";
export { RunEvents, type RunEvent, type StepStats, type HeldStats } from "./events.js";
export { CallFailedError, CallTimeoutError, HeldCallError, RunCancelledError, StepError } from "./errors.js";
