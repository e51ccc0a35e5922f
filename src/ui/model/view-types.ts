/**
 * What the page draws, as plain JSON: the server sends the laid-out graph and the steps'
 * static facts; the run model (run-model.ts) folds events into a RunView. A report embeds
 * one RunView, already folded and bounded, so the page draws it the same way.
 */

/** A step as the flow declares it (from the IR run.json's flow.json holds). */
export interface StepInfo {
  name: string;
  /** The step's line in the flow file. */
  line: number;
  held: boolean;
  workers: string[];
  /** `worker.method` → the line of that call or reduce stage. */
  stageLines: Record<string, number>;
  /** Calls the step will make, when the flow says (a range or list source into a call); null when only the run will tell. */
  planned: number | null;
  /** The step whose items it calls on one by one, when its first stage is a call: once that step finishes, its item count is the plan. */
  perItemOf: string | null;
}

export interface LayoutNode {
  id: string;
  /** The step it draws; absent for a sink. */
  step?: string;
  kind: "step" | "held" | "sink";
  /** The label lines, as `qb graph` writes them. */
  lines: string[];
  /** Centre and size, in SVG units. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LayoutEdge {
  from: string;
  to: string;
  /** The signal's name on a feedback edge. */
  label?: string;
  feedback: boolean;
  points: Array<{ x: number; y: number }>;
  labelAt?: { x: number; y: number };
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: LayoutNode[];
  edges: LayoutEdge[];
}

export type RunStatus = "running" | "finished" | "failed" | "cancelled" | "interrupted" | "unknown";

/** What `/api/runs/:id` answers and a report embeds beside the view. */
export interface RunSummary {
  id: string;
  flow: string;
  file?: string;
  status: RunStatus;
  startedAt: number;
  finishedAt?: number;
  elapsedMs?: number;
  error?: string;
  calls?: { done: number; reused: number; failed: number };
}

export interface RunInfo {
  run: RunSummary;
  steps: StepInfo[];
  graph: GraphLayout;
}

export type StepState = "waiting" | "running" | "done" | "failed" | "cancelled";

export interface StepView {
  name: string;
  state: StepState;
  planned: number | null;
  started: number;
  done: number;
  reused: number;
  failed: number;
  retried: number;
  inFlight: number;
  /** Items it emitted, once finished. */
  items: number | null;
  /** Fraction of its planned calls done, counting the progress in-flight calls report. */
  fraction: number | null;
  held: { live: number; round: number; awaiting: Record<string, number> } | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** Over its finished calls (those with per-call events). */
  meanMs: number | null;
  maxMs: number | null;
}

export type CallState = "running" | "done" | "failed" | "retrying" | "cancelled" | "held";

export interface CallView {
  step: string;
  callId: number;
  attempt: number;
  state: CallState;
  worker?: string;
  method?: string;
  replica?: number;
  startedAt?: number;
  endedAt?: number;
  ms?: number;
  queuedMs?: number;
  transportMs?: number;
  workerMs?: number;
  error?: string;
  input?: string;
  skipped?: boolean;
  logOffset?: number;
  /** The flow line of the call's stage. */
  line?: number;
  progress?: { fraction: number; message: string };
  /** Held calls: the rounds they yielded. */
  rounds?: number;
}

/** One bar of the timeline: a call on a replica, from its start to its end. */
export interface Bar {
  lane: string;
  step: string;
  callId: number;
  start: number;
  end: number;
  state: CallState;
}

export interface Throughput {
  /** Start of the first bucket (epoch ms). */
  t0: number;
  bucketMs: number;
  /** Calls finished in each bucket. */
  counts: number[];
}

export interface LogLine {
  /** Byte offset of the line's start in the log. */
  at: number;
  text: string;
}

export interface LogExcerpt {
  worker: string;
  replica: number | null;
  lines: LogLine[];
  /** Lines at or past this byte offset came after the failure. */
  mark: number | null;
}

export interface RunView {
  status: RunStatus;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** The newest event's time: "now" for a finished run. */
  lastTime: number | null;
  steps: StepView[];
  /** Per step, the calls a table shows (the slowest first; bounded: see `limits`). */
  calls: Record<string, CallView[]>;
  failures: CallView[];
  bars: Bar[];
  throughput: Throughput;
  /** True once calls past the event log's per-call limit came only as counters (calls.rolled). */
  rolled: boolean;
  /** What was left out, in words, when the view was bounded. */
  sampled: string[];
  totals: { done: number; failed: number; retried: number; inFlight: number; planned: number | null };
}

/** What a report embeds: the page draws it as it draws a live run. */
export interface ReportData {
  info: RunInfo;
  view: RunView;
  /** Log excerpts of failed calls, by `step#callId`. */
  logs: Record<string, LogExcerpt[]>;
  generatedAt: number;
  /** What the report left out and why (its size bound). */
  rule: string;
}
