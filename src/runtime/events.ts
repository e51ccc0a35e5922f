/** What a run reports while it runs: NDJSON for `--json`, the live display, the web UI. */
import { EventEmitter } from "node:events";
import type { Json } from "../ir/types.js";

export type RunEvent =
  | { type: "run.started"; runId: string; flow: string; steps: string[]; time: number }
  | { type: "run.finished"; runId: string; result: Record<string, Json[]>; elapsedMs: number; calls: CallCounts; time: number }
  /** The run resumes an earlier run: `journaled` calls finished there (`torn` records of its journal were cut by a crash and are ignored). */
  | { type: "run.resumed"; runId: string; from: string; journaled: number; torn: number; time: number }
  | { type: "run.failed"; runId: string; error: string; elapsedMs: number; time: number }
  /** The caller (Ctrl-C, SIGTERM, an abort signal) stopped the run. */
  | { type: "run.cancelled"; runId: string; reason: string; elapsedMs: number; time: number }
  | { type: "step.started"; step: string; time: number }
  | { type: "step.finished"; step: string; items: number; time: number }
  | { type: "step.failed"; step: string; error: string; time: number }
  /** The step stopped because the run was cancelled or failed elsewhere. */
  | { type: "step.cancelled"; step: string; time: number }
  | { type: "call.started"; step: string; worker: string; method: string; callId: number; attempt: number; time: number }
  /**
   * `ms` from the call to its result; `queuedMs` of it spent waiting for a free slot before
   * reaching `replica` (when the dispatcher says); `workerMs` of it the worker's method ran,
   * as the worker measured it (when it says). The rest, ms − queuedMs − workerMs, is transport.
   */
  | { type: "call.finished"; step: string; callId: number; attempt: number; ms: number; replica?: number; queuedMs?: number; workerMs?: number; time: number }
  /**
   * A call's latest progress report (`ctx.progress`), at most one event per call every
   * PROGRESS_EVENT_MS (the latest report wins). `fraction` is the last one in [0, 1] the
   * call reported, null while it has sent only messages.
   */
  | { type: "call.progress"; step: string; callId: number; fraction: number | null; message: string; time: number }
  /** Per-call events past the event log's limit are not written one by one: each step's counters, every second. */
  | { type: "calls.rolled"; steps: Array<{ step: string; done: number; reused: number; failed: number; retries: number; inFlight: number }>; time: number }
  /**
   * An attempt failed and the call goes again after `delayMs`. `worker` and `replica` say where
   * it failed (the replica when the dispatcher knows); `logOffset` is the size in bytes of that
   * replica's log file (logs/<worker>-<replica>.log) when it failed, so that the lines the
   * replica wrote around the failure can be found (the run adds it; the engine does no I/O).
   */
  | {
      type: "call.retried";
      step: string;
      callId: number;
      attempt: number;
      error: string;
      delayMs: number;
      worker?: string;
      replica?: number;
      logOffset?: number;
      time: number;
    }
  /** A call failed for good (`skipped`: its step goes on without it); where, as call.retried says. */
  | {
      type: "call.failed";
      step: string;
      callId: number;
      attempt: number;
      error: string;
      skipped: boolean;
      input: string;
      worker?: string;
      replica?: number;
      logOffset?: number;
      time: number;
    }
  | { type: "call.cancelled"; step: string; callId: number; time: number }
  /** A held call started (or started again after a failure) on a replica. */
  | { type: "held.started"; step: string; call: number; attempt: number; replica: number; input: string; time: number }
  /** A held call returned: its signals ended. */
  | { type: "held.finished"; step: string; call: number; attempt: number; rounds: number; time: number }
  /** Every held call of the step has yielded for `round` (or ended): `gather by round` may emit it. */
  | { type: "round.closed"; step: string; round: number; yields: number; live: number; awaiting: Record<string, number>; time: number }
  /** A signal of a held step was closed: nothing could send it any more (the loop is quiescent). */
  | { type: "signal.closed"; step: string; signal: string; calls: number; time: number }
  /** The worker processes were spawned (they are still starting up). */
  | { type: "pod.launched"; replicas: Array<{ worker: string; replica: number; pid: number | null; address: string }>; time: number }
  /** Every replica answered its health check and Describe: calls can go out. */
  | { type: "pod.started"; replicas: Array<{ worker: string; replica: number; pid: number | null; address: string }>; time: number }
  | { type: "log"; level: "info" | "warn" | "error"; message: string; time: number };

/** A run's calls: finished (reused ones included), answered from a resumed run's journal, failed. */
export interface CallCounts {
  done: number;
  reused: number;
  failed: number;
}

/** The calls of all steps. */
export function callCounts(stats: Iterable<StepStats>): CallCounts {
  const c: CallCounts = { done: 0, reused: 0, failed: 0 };
  for (const s of stats) {
    c.done += s.callsDone;
    c.reused += s.callsReused;
    c.failed += s.callsFailed;
  }
  return c;
}

/** Live counters of one step, cheap to keep for every call and read by displays. */
export interface StepStats {
  step: string;
  /** Items the step has emitted. */
  emitted: number;
  callsStarted: number;
  callsDone: number;
  /** Calls of callsDone answered from a resumed run's journal (no worker ran them). */
  callsReused: number;
  callsFailed: number;
  retries: number;
  inFlight: number;
  /**
   * The progress of the calls in flight: the sum of the last fraction in [0, 1] each one
   * reported (a call's share leaves when it ends). `(callsDone + progress) / total` is how
   * far the step's calls are.
   */
  progress: number;
  state: "waiting" | "running" | "done" | "failed" | "cancelled";
  /** Steps with a held call: its live calls, how many wait for a signal (and which), the last complete round. */
  held?: HeldStats;
  startedAt?: number;
  finishedAt?: number;
}

export interface HeldStats {
  live: number;
  /** Live calls blocked on a signal, by signal name. */
  awaiting: Record<string, number>;
  /** The last round every held call has yielded for; -1 before the first. */
  round: number;
  /** Signal values sent to the step so far. */
  signals: number;
}

export class RunEvents extends EventEmitter<{ event: [RunEvent] }> {
  /**
   * @param detailed publish call.started and call.finished for every call (they cost a
   * little per call); retries, failures, steps and the run are always published. It may
   * be turned off during a run (the event log does, past its limit).
   */
  constructor(public detailed = false) {
    super();
  }

  /** The run's last event, kept back while `holdEnd` is in force. */
  private held: RunEvent[] | undefined;

  /**
   * Adds to an event what its publisher cannot know, before any listener sees it (the run
   * adds a failed call's log offset: the engine that publishes it does no I/O).
   */
  annotate: ((e: RunEvent) => RunEvent) | undefined;

  publish(event: RunEvent): void {
    const e = this.annotate ? this.annotate(event) : event;
    if (this.held && (e.type === "run.finished" || e.type === "run.failed" || e.type === "run.cancelled")) this.held.push(e);
    else this.emit("event", e);
  }

  /**
   * Keeps run.finished, run.failed and run.cancelled back until `releaseEnd`: calls a run no longer waits
   * for (cancelled by a failure, or behind a `take` that has enough) settle while its
   * workers are stopped, and their events must come before the run's last one.
   */
  holdEnd(): void {
    this.held ??= [];
  }

  releaseEnd(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const e of held) this.emit("event", e);
  }
}
