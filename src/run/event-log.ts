/**
 * `events.ndjson`: every run keeps its events, per-call ones included (call.started,
 * call.progress, and call.finished with replica, attempt, queue, worker and call time), whether or not `--json` shows
 * them. Past CALL_EVENTS_KEPT per-call events the log stays bounded: later calls are rolled
 * into one `calls.rolled` event per second (each step's counters), and unless someone else
 * wants them (`--json`) the run stops making per-call events at all.
 */
import { createWriteStream } from "node:fs";
import type { RunEvent, RunEvents, StepStats } from "../runtime/events.js";

export const CALL_EVENTS_KEPT = 20_000;
const ROLL_EVERY_MS = 1_000;

const PER_CALL = new Set<RunEvent["type"]>(["call.started", "call.finished", "call.progress", "call.cancelled"]);

export interface EventLog {
  /** Writes what is left (a last roll-up) and closes the file. */
  close(): Promise<void>;
}

export function writeEventLog(
  events: RunEvents,
  path: string,
  stats: () => StepStats[],
  options: { othersWantCallEvents: boolean; callEventsKept?: number },
): EventLog {
  const kept = options.callEventsKept ?? CALL_EVENTS_KEPT;
  const out = createWriteStream(path, { flags: "a" });
  const write = (e: RunEvent): void => void out.write(JSON.stringify(e) + "\n");
  let callEvents = 0;
  let timer: NodeJS.Timeout | undefined;
  const roll = (): void =>
    write({
      type: "calls.rolled",
      steps: stats().map((s) => ({ step: s.step, done: s.callsDone, reused: s.callsReused, failed: s.callsFailed, retries: s.retries, inFlight: s.inFlight })),
      time: Date.now(),
    });
  const onEvent = (e: RunEvent): void => {
    if (!PER_CALL.has(e.type)) return write(e);
    if (callEvents >= kept) return;
    write(e);
    if (++callEvents < kept) return;
    write({
      type: "log",
      level: "info",
      message: `the event log keeps the first ${kept} per-call events; later calls are rolled up every second (calls.rolled)`,
      time: Date.now(),
    });
    if (!options.othersWantCallEvents) events.detailed = false;
    timer = setInterval(roll, ROLL_EVERY_MS);
    timer.unref();
  };
  events.on("event", onEvent);
  return {
    close: () => {
      events.off("event", onEvent);
      if (timer !== undefined) {
        clearInterval(timer);
        roll();
      }
      return new Promise<void>((done) => out.end(() => done()));
    },
  };
}
