/**
 * The IR: the contract between the compiler and the runtime. Plain JSON, versioned;
 * `schema.json` beside this file describes it and every compiled flow validates against it.
 * Params are already substituted and every constant folded, so expressions left in the IR
 * only read the current `item`.
 */
export const IR_VERSION = 1;

import type { Json } from "../common/json.js";
export type { Json };

/** Where a construct is in the flow file, for runtime errors that point at the flow. */
export interface Loc {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or";

export type IRExpr =
  | { kind: "lit"; value: Json }
  | { kind: "item" }
  | { kind: "field"; of: IRExpr; key: string }
  | { kind: "index"; of: IRExpr; index: IRExpr }
  | { kind: "neg"; of: IRExpr }
  | { kind: "not"; of: IRExpr }
  | { kind: "bin"; op: BinaryOp; left: IRExpr; right: IRExpr }
  | { kind: "list"; items: IRExpr[] }
  | { kind: "object"; entries: Array<[string, IRExpr]> };

export type ParamType = "int" | "float" | "string" | "bool" | "duration" | "json";

export interface ParamIR {
  name: string;
  type: ParamType;
  /** The value used by this compilation: a duration is in milliseconds. */
  value: Json;
  /** Where the value came from. */
  from: "default" | "override";
}

export interface WorkerIR {
  name: string;
  /** Local command, run through the shell; absent for attached workers. */
  run?: string;
  /** Addresses of already running replicas (`host:port` or `unix:/path`). */
  at?: string[];
  image?: string;
  replicas: number;
  env: Record<string, string>;
  /** Cores (fractional allowed). */
  cpu?: number;
  memoryBytes?: number;
  /**
   * `deploy service`: on Kubernetes (`qb k8s`) its replicas run as a Deployment behind a
   * headless Service, past the quarterback's pod; absent, they are containers of that pod.
   * A local run ignores it.
   */
  deploy?: "service";
  loc: Loc;
}

export interface CallOptions {
  /** Max calls in flight; null lets the runtime use the worker's capacity. */
  parallel: number | null;
  /** Per-call deadline; null means none. */
  timeoutMs: number | null;
  /** Extra attempts after the first. */
  retries: number;
  /** Base of the exponential, jittered backoff between attempts. */
  backoffMs: number;
  ordered: boolean;
  onError: "fail" | "skip";
}

export type SourceIR =
  | { kind: "step"; step: string }
  | { kind: "range"; count: number }
  | { kind: "list"; items: Json[] }
  | { kind: "merge"; steps: string[] }
  /**
   * Pairs of items of two steps, `{left, right}`: every pair (`combine`, `by` null), or the
   * pairs whose `by` of each side is equal, as `{key, left, right}` (`join`).
   */
  | { kind: "join"; steps: [string, string]; by: IRExpr | null }
  | { kind: "pond"; sql: string; params: Record<string, Json> }
  /** Files matching `pattern`; under `root` (a filesystem path) or, when root is null, under the land. */
  | { kind: "glob"; pattern: string; root: string | null; exclude?: string[] };

export type StageIR =
  | {
      kind: "call";
      worker: string;
      method: string;
      /** The call's input: the item itself when null. */
      input: IRExpr | null;
      hold: boolean;
      options: CallOptions;
      loc: Loc;
    }
  | { kind: "reduce"; worker: string; method: string; options: CallOptions; loc: Loc }
  | { kind: "gather"; byRound: boolean; loc: Loc }
  | { kind: "flatten"; loc: Loc }
  | { kind: "last"; loc: Loc }
  | { kind: "take"; count: number; loc: Loc }
  /** Keeps the items for which `test` is true. */
  | { kind: "where"; test: IRExpr; loc: Loc }
  /** Each item becomes `expr` of it. */
  | { kind: "map"; expr: IRExpr; loc: Loc }
  /** At the end of the input, one `{key, items}` per distinct `key` of an item, in the order keys were first seen. */
  | { kind: "group"; key: IRExpr; loc: Loc };

export interface StepIR {
  name: string;
  source: SourceIR;
  stages: StageIR[];
  /** True when one of the stages is a held call (a target for signals). */
  held: boolean;
  loc: Loc;
}

export interface SignalIR {
  /** The held step that receives the signal. */
  step: string;
  /** The step whose every item is sent. */
  from: string;
  name: string;
  loc: Loc;
}

/**
 * How `into pond.table` writes: `append` adds the rows (the default); `replace` makes them
 * the table's only rows; `upsert` replaces the rows whose `key` columns equal a new row's.
 */
export type PondWriteMode = "append" | "replace" | "upsert";

export type SinkIR =
  | { kind: "emit"; step: string; loc: Loc }
  | { kind: "pond"; table: string; step: string; mode?: PondWriteMode; key?: string[]; loc: Loc }
  | { kind: "land"; path: string; step: string; loc: Loc };

export interface FlowIR {
  version: typeof IR_VERSION;
  flow: string;
  /** The flow file's path as given to the compiler, for messages. */
  file: string;
  params: ParamIR[];
  workers: WorkerIR[];
  /** In dependency order: every step comes after the steps it reads. */
  steps: StepIR[];
  signals: SignalIR[];
  sinks: SinkIR[];
}
