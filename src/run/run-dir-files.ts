/**
 * The files of a finished or running run directory, as `qb runs show` and `qb logs` read
 * them: flow.json (the IR as it ran), events.ndjson, result.json and logs/<worker>-<n>.log,
 * whole or, for `--follow`, as they grow. A file that is missing or damaged (a run killed
 * mid-write, a run from before flow.json was kept) reads as absent, never as an error.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GrowingFile } from "../common/growing-file.js";
import type { FlowIR, Json, StepIR } from "../ir/types.js";
import type { RunEvent } from "../runtime/events.js";

/** Read by lines as it grows (`qb logs --follow`); see src/common/growing-file.ts. */
export { GrowingFile };

export const FLOW_FILE = "flow.json";
export const EVENTS_FILE = "events.ndjson";
export const RESULT_FILE = "result.json";
export const LOGS_DIR = "logs";

/** The IR the run ran, when its flow.json is there and looks like one. */
export function readFlowIR(dir: string): FlowIR | undefined {
  try {
    const ir = JSON.parse(readFileSync(join(dir, FLOW_FILE), "utf8")) as FlowIR;
    return typeof ir === "object" && ir !== null && Array.isArray(ir.steps) && Array.isArray(ir.workers) ? ir : undefined;
  } catch {
    return undefined;
  }
}

/** What the run emitted, when it succeeded (result.json is written only then). */
export function readResult(dir: string): Json | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, RESULT_FILE), "utf8")) as Json;
  } catch {
    return undefined;
  }
}

/** One event of an events.ndjson line, or undefined for a line that is not one (torn by a crash). */
export function parseEvent(line: string): RunEvent | undefined {
  if (line.trim() === "") return undefined;
  try {
    const e = JSON.parse(line) as RunEvent;
    return typeof e === "object" && e !== null && typeof e.type === "string" ? e : undefined;
  } catch {
    return undefined;
  }
}

/** Every event of the run so far. */
export function readEvents(dir: string): RunEvent[] {
  const reader = new GrowingFile(join(dir, EVENTS_FILE));
  return [...reader.lines(), ...(reader.rest() ?? [])].flatMap((l) => parseEvent(l) ?? []);
}

/** The workers a step calls (call and reduce stages), each once, in stage order. */
export function stepWorkers(step: StepIR): string[] {
  return [...new Set(step.stages.flatMap((s) => (s.kind === "call" || s.kind === "reduce" ? [s.worker] : [])))];
}

/** `worker.method` of each call and reduce stage of a step. */
export function stepCalls(step: StepIR): string[] {
  return step.stages.flatMap((s) => (s.kind === "call" || s.kind === "reduce" ? [`${s.worker}.${s.method}`] : []));
}

export interface WorkerLog {
  worker: string;
  replica: number;
  path: string;
}

/** The replicas' logs in the run's logs/ folder (`<worker>-<n>.log`), by worker then replica. */
export function workerLogs(dir: string): WorkerLog[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, LOGS_DIR));
  } catch {
    return [];
  }
  const logs: WorkerLog[] = [];
  for (const name of names) {
    // a worker's name may hold a dash: the replica is the number after the last one
    const m = /^(.+)-(\d+)\.log$/.exec(name);
    if (m) logs.push({ worker: m[1]!, replica: Number(m[2]), path: join(dir, LOGS_DIR, name) });
  }
  return logs.sort((a, b) => (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : a.replica - b.replica));
}
