import { MAX_SUGGESTIONS } from "./limits.js";
import type { Flow } from "./ast.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import type { ExprScope, Typed } from "./expressions.js";
import { flowDefaults } from "./options.js";
import { resolveParams } from "./params.js";
import { LineMap, type Span } from "./span.js";
import { checkWorker } from "./workers.js";
import type { CheckContext } from "./check-context.js";
import { declareNames } from "./check-names.js";
import { checkSignals } from "./check-signals.js";
import { checkSinks } from "./check-sinks.js";
import { checkStep, dependencyOrder } from "./check-steps.js";
import { IR_VERSION, type FlowIR, type Json, type Loc, type StepIR, type WorkerIR } from "../ir/types.js";

/*
 * The checker: after the parser, it resolves names, checks types and structure, and lowers
 * a flow to IR. This file runs the passes in order and builds the context they share; each
 * concern has its own file: check-names, check-sources, check-stages, check-steps,
 * check-signals, check-sinks, with options.ts, workers.ts and params.ts.
 */

export interface CheckOptions {
  file: string;
  /** `--param` values, as typed by the user. */
  params: Record<string, Json>;
  /** Report params that have neither a default nor an override. */
  requireParams: boolean;
}

/** Resolves names, checks types and structure, and lowers a parsed flow to IR. */
export function check(flow: Flow, text: string, opts: CheckOptions, report: (d: Diagnostic) => void, hadErrors: () => boolean): FlowIR {
  const lines = new LineMap(text);
  const loc = (s: Span): Loc => {
    const a = lines.position(s.start);
    const b = lines.position(s.end);
    return { line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  };
  const where = (s: Span): string => {
    const p = lines.position(s.start);
    return `${p.line}:${p.col}`;
  };

  const params = resolveParams(flow, opts.params, opts.requireParams, report);
  const { declared, workers, bindings, consumed } = declareNames(flow, report, where);
  const others = new Map<string, string>();
  for (const n of workers.keys()) others.set(n, "a worker");
  for (const n of bindings.keys()) others.set(n, "a step");
  const scopeWith = (item: ExprScope["item"]): ExprScope => ({ params: params.scope, item, others, report });
  const constScope = scopeWith({ missing: "here: only a stage's arguments have an item" });
  const defaults = flowDefaults(flow.members, constScope);
  const workerIR: WorkerIR[] = [];
  for (const w of workers.values()) workerIR.push(checkWorker(w, constScope, loc(w.span)));

  const cx: CheckContext = {
    text,
    report,
    loc,
    where,
    declared,
    workers,
    bindings,
    scopeWith,
    constScope,
    defaults,
    info: new Map(),
    cycleEdges: new Set(),
    consumed,
    usedWorkers: new Set(),
    suggestions: { left: MAX_SUGGESTIONS },
  };
  const steps: StepIR[] = [];
  for (const b of dependencyOrder(cx)) {
    const ir = checkStep(cx, b);
    if (ir) steps.push(ir);
  }
  const signals = checkSignals(cx, flow.members);
  const sinks = checkSinks(cx, flow.members);
  // these warnings only add noise next to errors, which often cause them
  if (!hadErrors()) reportUnused(cx, flow);
  return { version: IR_VERSION, flow: flow.name.name, file: opts.file, params: params.ir, workers: workerIR, steps, signals, sinks };
}

/** A flow whose results go nowhere, steps never read, workers never called. */
function reportUnused(cx: CheckContext, flow: Flow): void {
  if (!flow.members.some((m) => m.kind === "emit" || m.kind === "into")) {
    cx.report(
      diagnostic(
        "QB4006",
        flow.name.span,
        `flow \`${flow.name.name}\` has no \`emit\` or \`into\`: its results go nowhere`,
        "add `emit step` for the step whose items are the result",
      ),
    );
  }
  for (const b of cx.bindings.values()) {
    if (!cx.consumed.has(b.name.name)) {
      cx.report(
        diagnostic("QB2005", b.name.span, `step \`${b.name.name}\` is never used`, `emit it (\`emit ${b.name.name}\`), read it in another step, or remove it`),
      );
    }
  }
  for (const w of cx.workers.values()) {
    if (!cx.usedWorkers.has(w.name.name)) cx.report(diagnostic("QB2008", w.name.span, `worker \`${w.name.name}\` is never called`));
  }
}

export type { Typed };
