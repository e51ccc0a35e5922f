import type { Member } from "./ast.js";
import type { Json } from "../ir/types.js";
import type { Diagnostic } from "./diagnostics.js";
import type { ExprScope } from "./expressions.js";
import type { Span } from "./span.js";
import type { Type } from "./types.js";
import type { CallOptions, Loc, StepIR } from "../ir/types.js";

/*
 * What the checks of one flow share. `check` (checker.ts) builds it once; the files that each
 * check one concern (names, sources, stages, steps, signals, sinks) read it, and record in it
 * what later checks need: the steps checked so far, and which names were used.
 */

export type Binding = Extract<Member, { kind: "binding" }>;
export type WorkerDecl = Extract<Member, { kind: "worker" }>;

/** What the checker knows of a step once it is checked. */
export interface StepInfo {
  ir: StepIR | undefined;
  out: Type;
  /** Items carry the round of a held call. */
  rounds: boolean;
  /** Has a held call (known even when the step had other mistakes). */
  held: boolean;
  /** Its items, when the compiler knows them (a constant list or range, through where and map). */
  known?: Json[];
}

export interface CheckContext {
  /** The flow's text: SQL mistakes point into a literal as written. */
  text: string;
  report(d: Diagnostic): void;
  /** A span as lines and columns, for the IR. */
  loc(s: Span): Loc;
  /** A span's start as `line:col`, for "already ... at 3:5". */
  where(s: Span): string;
  /** Params, workers and steps share one namespace: what each name is, and where it was first declared. */
  declared: ReadonlyMap<string, { what: string; span: Span }>;
  /** Workers and steps by name (the first of a name; a later one was reported). */
  workers: ReadonlyMap<string, WorkerDecl>;
  bindings: ReadonlyMap<string, Binding>;
  /** A scope for an expression with this `item` (or the reason there is none). */
  scopeWith(item: ExprScope["item"]): ExprScope;
  /** The scope of constants: sources' arguments, option values, names, paths. */
  constScope: ExprScope;
  /** Flow-wide option defaults; a call's own options go over them. */
  defaults: CallOptions;
  /** Steps checked so far: steps are checked in dependency order, so what a step reads is here. */
  info: Map<string, StepInfo>;
  /** Span starts of references that close a cycle: reported once, then treated as unknown. */
  cycleEdges: Set<number>;
  /** Steps read and workers called: the ones left over are reported unused. */
  consumed: Set<string>;
  usedWorkers: Set<string>;
  /** "Did you mean" suggestions left (each compares a name with every step: bounded per compile). */
  suggestions: { left: number };
}
