/** Where a live call's messages go: a Session stream, or the reply of an Invoke. */
import type { CallErrorMsg, ValueMsg } from "../proto/messages.js";

export interface CallSink {
  progress(fraction: number, message: string): void;
  yielded(value: ValueMsg, round: number): void;
  /** `round`: signal values taken so far (all names); `taken`: values of this signal taken. */
  awaiting(signal: string, round: number, taken: number): void;
  /** Terminal. `workerMs`: how long the method ran. */
  result(value: ValueMsg, workerMs: number): void;
  /** Terminal. `workerMs`: how long the method ran, when it ran and ended on its own (not a cancel or deadline). */
  error(error: CallErrorMsg, workerMs?: number): void;
}
