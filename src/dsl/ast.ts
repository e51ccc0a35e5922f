import type { Span } from "./span.js";
import type { Comment } from "./tokens.js";

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or";

export type Expr =
  | { kind: "int" | "float"; value: number; raw: string; span: Span }
  | { kind: "quantity"; value: number; unit: string; raw: string; span: Span }
  | { kind: "string"; value: string; span: Span }
  | { kind: "bool"; value: boolean; span: Span }
  | { kind: "null"; span: Span }
  | { kind: "name"; name: string; span: Span }
  | { kind: "member"; object: Expr; name: string; nameSpan: Span; span: Span }
  | { kind: "index"; object: Expr; index: Expr; span: Span }
  | { kind: "unary"; op: "-" | "not"; operand: Expr; span: Span }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { kind: "list"; items: Expr[]; span: Span }
  | { kind: "object"; entries: ObjectEntry[]; span: Span }
  | { kind: "error"; span: Span };

export interface ObjectEntry {
  key: string;
  keySpan: Span;
  value: Expr;
}

/** A call argument: named (`n: 10`) or positional. */
export interface Arg {
  name?: string;
  nameSpan?: Span;
  value: Expr;
  span: Span;
}

export interface Name {
  name: string;
  span: Span;
}

export type Source =
  | { kind: "ref"; name: string; span: Span }
  | { kind: "call"; callee: string; calleeSpan: Span; args: Arg[]; span: Span }
  | { kind: "literal"; expr: Expr; span: Span };

export type StageOption =
  | { kind: "parallel"; value: Expr; span: Span }
  | { kind: "timeout"; value: Expr; span: Span }
  | { kind: "retry"; count: Expr; backoff?: Expr; span: Span }
  | { kind: "ordered"; span: Span }
  | { kind: "onError"; mode: "skip" | "fail"; span: Span }
  | { kind: "hold"; span: Span };

export type Stage =
  | { kind: "call"; worker: Name; method: Name; args: Arg[] | null; options: StageOption[]; span: Span }
  | { kind: "reduce"; worker: Name; method: Name; args: Arg[] | null; options: StageOption[]; span: Span }
  | { kind: "gather"; byRound: boolean; options: StageOption[]; span: Span }
  | { kind: "flatten" | "last"; options: StageOption[]; span: Span }
  | { kind: "take"; count: Expr; options: StageOption[]; span: Span }
  | { kind: "where" | "map"; expr: Expr; options: StageOption[]; span: Span }
  | { kind: "group"; key: Expr; options: StageOption[]; span: Span };

export type WorkerPropKey = "run" | "image" | "replicas" | "env" | "cpu" | "memory" | "at" | "deploy";
export const WORKER_PROPS: readonly WorkerPropKey[] = ["run", "image", "replicas", "env", "cpu", "memory", "at", "deploy"];

export interface WorkerProp {
  key: WorkerPropKey;
  keySpan: Span;
  values: Expr[];
  span: Span;
}

/** `append`, `replace` or `upsert by a, b` after `into pond.table("t") step`. */
export interface IntoMode {
  kind: "append" | "replace" | "upsert";
  keys: Name[];
  span: Span;
}

export type IntoTarget = { kind: "pond"; table: Expr; span: Span } | { kind: "land"; path: Expr; span: Span };

export type Member =
  | { kind: "worker"; name: Name; props: WorkerProp[]; span: Span }
  /** `broken` bindings had a syntax error: what parsed is kept so names still resolve. */
  | { kind: "binding"; name: Name; source: Source; stages: Stage[]; span: Span; broken?: true }
  | { kind: "signal"; target: Name; from: Name; signal: Expr; span: Span }
  | { kind: "emit"; names: Name[]; span: Span }
  | { kind: "into"; target: IntoTarget; step: Name; mode?: IntoMode; span: Span }
  | { kind: "defaults"; options: StageOption[]; span: Span };

export interface Param {
  name: Name;
  type: Name;
  default?: Expr;
  span: Span;
}

export interface Flow {
  name: Name;
  params: Param[];
  members: Member[];
  span: Span;
}

export interface FlowFile {
  flow?: Flow;
  comments: Comment[];
  text: string;
}
