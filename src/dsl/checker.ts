import type { Arg, Expr, Flow, Member, Name, Source, Stage } from "./ast.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { checkExpr, describeType, isConstant, joinAll, type ExprScope, type Typed } from "./expressions.js";
import { BUILTIN_DEFAULTS, checkOptions, wholeNumber } from "./options.js";
import { OPTION_WORDS, optionsAt } from "./option-words.js";
import { resolveParams } from "./params.js";
import { sqlParameterUses, sqlSecondStatement } from "../sql/scanner.js";
import { escapesLand, landFile } from "./land-path.js";
import { LineMap, type Span } from "./span.js";
import { didYouMean } from "../common/suggest.js";
import { typeOfValue, type Type } from "./types.js";
import { checkWorker } from "./workers.js";
import { IR_VERSION, type CallOptions, type FlowIR, type IRExpr, type Json, type Loc, type SignalIR, type SinkIR, type SourceIR, type StageIR, type StepIR, type WorkerIR } from "../ir/types.js";

export interface CheckOptions {
  file: string;
  /** `--param` values, as typed by the user. */
  params: Record<string, Json>;
  /** Report params that have neither a default nor an override. */
  requireParams: boolean;
}

type Binding = Extract<Member, { kind: "binding" }>;
type WorkerDecl = Extract<Member, { kind: "worker" }>;

interface StepInfo {
  ir: StepIR | undefined;
  out: Type;
  /** Items carry the round of a held call. */
  rounds: boolean;
  /** Has a held call (known even when the step had other mistakes). */
  held: boolean;
}

const SOURCES = ["range", "merge", "pond", "glob", "land.glob"];
const VALUE_WORDS = new Map([["item", "the current item in a stage's arguments"], ["true", "a value"], ["false", "a value"], ["null", "a value"]]);

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

  // ---- declarations: params, workers and steps share one namespace ----
  const declared = new Map<string, { what: string; span: Span }>();
  // `true`, `false` and `null` always mean themselves where a value is read, so a param,
  // worker or step of that name could never be used as one; `item` too, but only a param
  // is read where `item` means the current item (a step or worker is named elsewhere: as a
  // source, or before a method)
  const valueWord = (n: Name, what: string): void => {
    if (n.name === "item" && what !== "a param") return;
    const meaning = VALUE_WORDS.get(n.name);
    if (meaning) report(diagnostic("QB2003", n.span, `\`${n.name}\` cannot name ${what}: it is ${meaning}`, "pick another name"));
  };
  for (const p of flow.params) {
    valueWord(p.name, "a param");
    if (!declared.has(p.name.name)) declared.set(p.name.name, { what: "a param", span: p.name.span });
  }
  const workers = new Map<string, WorkerDecl>();
  const bindings = new Map<string, Binding>();
  const declare = (n: Name, what: string): boolean => {
    valueWord(n, what);
    const prev = declared.get(n.name);
    if (prev) {
      report(diagnostic("QB2003", n.span, `\`${n.name}\` is already defined as ${prev.what} at ${where(prev.span)}`, "pick another name"));
      return false;
    }
    declared.set(n.name, { what, span: n.span });
    return true;
  };
  for (const m of flow.members) {
    if (m.kind === "worker" && declare(m.name, "a worker")) workers.set(m.name.name, m);
    if (m.kind === "binding" && declare(m.name, "a step")) bindings.set(m.name.name, m);
  }
  const consumed = new Set<string>();
  // a duplicate binding is not checked, but what it reads still counts as read
  for (const m of flow.members) if (m.kind === "binding" && bindings.get(m.name.name) !== m) for (const r of refsOfBinding(m)) consumed.add(r.name);

  const others = new Map<string, string>();
  for (const n of workers.keys()) others.set(n, "a worker");
  for (const n of bindings.keys()) others.set(n, "a step");
  const scopeWith = (item: ExprScope["item"]): ExprScope => ({ params: params.scope, item, others, report });
  const constScope = scopeWith({ missing: "here: only a stage's arguments have an item" });

  // ---- flow-wide defaults ----
  let defaults: CallOptions = { ...BUILTIN_DEFAULTS };
  const defaultsSeen = new Set<string>();
  for (const m of flow.members) {
    if (m.kind !== "defaults") continue;
    const { given } = checkOptions(m.options, optionsAt("flow"), "as a flow default", constScope);
    for (const o of m.options) {
      const word = OPTION_WORDS[o.kind];
      if (defaultsSeen.has(word)) report(diagnostic("QB1012", o.span, `flow default \`${word}\` is set twice`, "keep one of the two"));
      defaultsSeen.add(word);
    }
    defaults = { ...defaults, ...given };
  }

  // ---- workers ----
  const workerIR = new Map<string, WorkerIR>();
  for (const w of workers.values()) workerIR.set(w.name.name, checkWorker(w, constScope, loc(w.span)));
  const usedWorkers = new Set<string>();

  const resolveWorker = (n: Name): boolean => {
    if (workers.has(n.name)) {
      usedWorkers.add(n.name);
      return true;
    }
    const what = declared.get(n.name)?.what;
    report(diagnostic("QB2002", n.span, what ? `\`${n.name}\` is ${what}, not a worker` : `unknown worker \`${n.name}\``,
      didYouMean(n.name, workers.keys()) ?? (workers.size ? undefined : `declare it: \`worker ${n.name} { run "..." }\``)));
    return false;
  };

  // ---- steps, in dependency order (iterative: a chain of thousands of steps must not overflow the stack) ----
  const info = new Map<string, StepInfo>();
  const order: StepIR[] = [];
  /** Span starts of references that close a cycle; reported once, then treated as unknown. */
  const cycleEdges = new Set<number>();

  const refsOf = refsOfBinding;

  const topological = (): Binding[] => {
    const state = new Map<string, "open" | "done">();
    const sorted: Binding[] = [];
    for (const root of bindings.values()) {
      if (state.has(root.name.name)) continue;
      const stack: Array<{ b: Binding; refs: Name[]; i: number }> = [{ b: root, refs: refsOf(root), i: 0 }];
      state.set(root.name.name, "open");
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        const ref = top.refs[top.i++];
        if (!ref) {
          state.set(top.b.name.name, "done");
          sorted.push(top.b);
          stack.pop();
          continue;
        }
        const dep = bindings.get(ref.name);
        if (!dep) continue;
        const st = state.get(ref.name);
        if (st === "open") {
          const from = stack.findIndex((f) => f.b.name.name === ref.name);
          const path = [...stack.slice(from).map((f) => f.b.name.name), ref.name].join(" → ");
          report(diagnostic("QB4001", ref.span, `\`${top.b.name.name}\` reads \`${ref.name}\`, which closes a cycle: ${path}`,
            "a loop must go through a signal: `held <- other as \"name\"`"));
          cycleEdges.add(ref.span.start);
        } else if (st === undefined) {
          state.set(ref.name, "open");
          stack.push({ b: dep, refs: refsOf(dep), i: 0 });
        }
      }
    }
    return sorted;
  };

  const stepRef = (n: Name, asSource = false): StepInfo | undefined => {
    const b = bindings.get(n.name);
    if (!b && n.name === "item") {
      report(diagnostic("QB2004", n.span, "`item` is not available in a source: a source makes the items", "use `item` inside a stage's arguments, e.g. `w.m(x: item)`"));
      return undefined;
    }
    if (!b) {
      const what = declared.get(n.name)?.what;
      report(diagnostic("QB2001", n.span, what ? `\`${n.name}\` is ${what}, not a step` : `unknown step \`${n.name}\``,
        what === "a param" && asSource ? `to make items of a param, write \`[${n.name}]\` or \`range(${n.name})\`` : didYouMean(n.name, bindings.keys())));
      return undefined;
    }
    consumed.add(n.name);
    if (cycleEdges.has(n.span.start)) return undefined;
    return info.get(n.name);
  };

  const analyze = (b: Binding): void => {
    const name = b.name.name;
    const src = checkSource(b.source);
    let type = src.out;
    let rounds = src.rounds;
    const stages: StageIR[] = [];
    let heldAt: Span | undefined;
    let ok = src.ir !== undefined && !b.broken;
    for (const stage of b.stages) {
      const r = checkStage(stage, type, rounds);
      if (!r) {
        ok = false;
        type = "any";
        continue;
      }
      if (r.hold) {
        if (heldAt) report(diagnostic("QB4009", stage.span, `step \`${name}\` already has a held call at ${where(heldAt)}`, "split the step in two: one held call per step"));
        heldAt = stage.span;
      }
      stages.push(r.ir);
      type = r.out;
      rounds = r.rounds;
    }
    const ir: StepIR | undefined = ok && src.ir ? { name, source: src.ir, stages, held: heldAt !== undefined, loc: loc(b.span) } : undefined;
    info.set(name, { ir, out: type, rounds, held: heldAt !== undefined });
    if (ir) order.push(ir);
  };

  const checkSource = (s: Source): { ir?: SourceIR; out: Type; rounds: boolean } => {
    const fail = { out: "any" as Type, rounds: false };
    switch (s.kind) {
      case "ref": {
        const dep = stepRef({ name: s.name, span: s.span }, true);
        if (!dep) return fail;
        return { ir: { kind: "step", step: s.name }, out: dep.out, rounds: dep.rounds };
      }
      case "literal": {
        const t = checkExpr(s.expr, scopeWith({ missing: "in a source: a source makes the items" }));
        // checked without an item: constant unless a mistake was reported
        if (!isConstant(t)) return fail;
        const items = t.ir.value as Json[];
        return { ir: { kind: "list", items }, out: joinAll(items.map(typeOfValue)), rounds: false };
      }
      case "call":
        return checkSourceCall(s) ?? fail;
    }
  };

  const positional = (s: Extract<Source, { kind: "call" }>, min: number, max: number, usage: string, named: readonly string[] = []): Expr[] | undefined => {
    const pos = s.args.filter((a) => a.name === undefined).map((a) => a.value);
    let ok = true;
    for (const a of s.args) {
      if (a.name !== undefined && !named.includes(a.name)) {
        report(diagnostic("QB4004", a.nameSpan ?? a.span, `\`${s.callee}\` has no argument \`${a.name}\``, `write ${usage}`));
        ok = false;
      }
    }
    if (pos.length < min || pos.length > max) {
      const takes = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      report(diagnostic("QB4004", s.span, `\`${s.callee}\` takes ${takes} argument${max === 1 ? "" : "s"}, got ${pos.length}`, `write ${usage}`));
      // what it names still counts as read, so no "never used" follows
      for (const a of pos) if (a.kind === "name") consumed.add(a.name);
      ok = false;
    }
    return ok ? pos : undefined;
  };

  const constString = (e: Expr, what: string): string | undefined => {
    const t = checkExpr(e, constScope);
    if (t.error) return undefined;
    if (!isConstant(t) || typeof t.ir.value !== "string") {
      report(diagnostic("QB3001", e.span, `${what} must be a string, got ${describeType(t.type)}`));
      return undefined;
    }
    return t.ir.value;
  };

  const checkSourceCall = (s: Extract<Source, { kind: "call" }>): { ir?: SourceIR; out: Type; rounds: boolean } | undefined => {
    switch (s.callee) {
      case "range": {
        const a = positional(s, 1, 1, "`range(n)`");
        if (!a) return undefined;
        const n = wholeNumber(a[0]!, 0, "`range`", constScope);
        return n === undefined ? undefined : { ir: { kind: "range", count: n }, out: "int", rounds: false };
      }
      case "merge": {
        const a = positional(s, 2, Infinity, "`merge(a, b, ...)` with two or more steps");
        if (!a) return undefined;
        const steps: string[] = [];
        const outs: Type[] = [];
        let rounds = true;
        const seen = new Map<string, Span>();
        for (const e of a) {
          if (e.kind !== "name") {
            report(diagnostic("QB1006", e.span, "`merge` takes step names"));
            return undefined;
          }
          // each listed step gets its own channel: one listed twice sends every item twice
          const first = seen.get(e.name);
          if (first) report(diagnostic("QB4014", e.span, `\`${e.name}\` is already merged at ${where(first)}: every item of it would arrive twice`, "list each step once"));
          else seen.set(e.name, e.span);
          const dep = stepRef({ name: e.name, span: e.span }, true);
          if (!dep) return undefined;
          steps.push(e.name);
          outs.push(dep.out);
          rounds &&= dep.rounds;
        }
        return { ir: { kind: "merge", steps }, out: joinAll(outs), rounds };
      }
      case "pond": {
        const a = positional(s, 1, 2, '`pond("SELECT ... WHERE x = :x", {x: value})`');
        if (!a) return undefined;
        const sql = constString(a[0]!, "the SQL of `pond`");
        if (sql === undefined) return undefined;
        let bound: Record<string, Json> = {};
        const boundSpans = new Map<string, Span>();
        if (a[1]) {
          const obj = a[1];
          const t = checkExpr(obj, scopeWith({ missing: "in a source: a source makes the items" }));
          if (t.error) return undefined;
          if (!isConstant(t) || t.type !== "object") {
            report(diagnostic("QB3001", obj.span, `the parameters of \`pond\` must be an object like \`{region: region}\`, got ${describeType(t.type)}`));
            return undefined;
          }
          bound = t.ir.value as Record<string, Json>;
          if (obj.kind === "object") for (const en of obj.entries) boundSpans.set(en.key, en.keySpan);
        }
        const lit = a[0]!;
        // point into the literal when its text is the SQL as written (no escapes)
        const plain = lit.kind === "string" && text.slice(lit.span.start + 1, lit.span.end - 1) === sql;
        const second = sqlSecondStatement(sql);
        if (second !== undefined) {
          const where = plain ? { start: lit.span.start + 1 + second, end: lit.span.start + 2 + second } : lit.span;
          report(diagnostic("QB4015", where, "`pond` takes one SQL statement, and this `;` starts a second one", "make it one query, or a step per query"));
          return undefined;
        }
        const uses = sqlParameterUses(sql);
        const used = uses.map((u) => u.name);
        let ok = true;
        for (const { name: p, offset } of uses) {
          if (!Object.hasOwn(bound, p)) {
            const where = plain ? { start: lit.span.start + 1 + offset, end: lit.span.start + 2 + offset + p.length } : lit.span;
            report(diagnostic("QB4011", where, `SQL parameter \`:${p}\` has no value`, `bind it: \`pond("...", {${p}: value})\``));
            ok = false;
          }
        }
        for (const k of Object.keys(bound)) {
          if (!used.includes(k)) report(diagnostic("QB4012", boundSpans.get(k) ?? a[1]!.span, `parameter \`${k}\` is not used by the SQL`, didYouMean(k, used)));
        }
        return ok ? { ir: { kind: "pond", sql, params: bound }, out: "object", rounds: false } : undefined;
      }
      case "glob":
      case "land.glob": {
        const isLand = s.callee === "land.glob";
        const a = positional(s, 1, 1, isLand ? '`land.glob("**/*.csv")`' : '`glob("**/*", root: dir)`', isLand ? [] : ["root"]);
        if (!a) return undefined;
        const pattern = constString(a[0]!, "a glob pattern");
        if (pattern === undefined) return undefined;
        let root: string | null = null;
        const rootArg = s.args.find((x) => x.name === "root");
        if (rootArg) {
          const r = constString(rootArg.value, "`root`");
          if (r === undefined) return undefined;
          root = r;
        } else if (!isLand) {
          root = ".";
        }
        if (isLand && escapesLand(pattern)) {
          report(diagnostic("QB3011", a[0]!.span, `glob pattern \`${pattern}\` reaches outside the land`, "land paths are relative and stay under the land; use `glob(pattern, root: dir)` for other folders"));
          return undefined;
        }
        return { ir: { kind: "glob", pattern, root }, out: "object", rounds: false };
      }
    }
    const [head] = s.callee.split(".");
    if (head !== undefined && workers.has(head)) {
      usedWorkers.add(head);
      report(diagnostic("QB1006", s.span, `a worker call is a stage, not a source`, `start from a source and pipe into it: \`range(1) | ${s.callee}(...)\``));
      return undefined;
    }
    report(diagnostic("QB2009", s.calleeSpan, `unknown source function \`${s.callee}\``, didYouMean(s.callee, SOURCES) ?? `sources are ${SOURCES.map((x) => `\`${x}(...)\``).join(", ")}, a step name or a list`));
    return undefined;
  };

  const callInput = (args: Arg[] | null, item: Type, callee: string): IRExpr | null | undefined => {
    if (args === null || args.length === 0) return null;
    const scope = scopeWith({ type: item });
    const named = args.filter((a) => a.name !== undefined);
    if (named.length === 0 && args.length === 1) {
      const t = checkExpr(args[0]!.value, scope);
      return t.error ? undefined : t.ir;
    }
    if (named.length !== args.length) {
      const bad = args.find((a) => a.name === undefined)!;
      report(diagnostic("QB4004", bad.span, `arguments of \`${callee}\` must all be named, or be one value`, "write `name: value` for each argument"));
      return undefined;
    }
    const seen = new Set<string>();
    const entries: Array<[string, IRExpr]> = [];
    let ok = true;
    for (const a of args) {
      if (seen.has(a.name!)) {
        report(diagnostic("QB2003", a.nameSpan!, `argument \`${a.name}\` given twice`));
        ok = false;
      }
      seen.add(a.name!);
      const t = checkExpr(a.value, scope);
      if (t.error) ok = false;
      entries.push([a.name!, t.ir]);
    }
    if (!ok) return undefined;
    if (entries.every(([, v]) => v.kind === "lit")) {
      return { kind: "lit", value: Object.fromEntries(entries.map(([k, v]) => [k, (v as { value: Json }).value])) };
    }
    return { kind: "object", entries };
  };

  const checkStage = (s: Stage, item: Type, rounds: boolean): { ir: StageIR; out: Type; rounds: boolean; hold: boolean } | undefined => {
    switch (s.kind) {
      case "call": {
        const known = resolveWorker(s.worker);
        const callee = `${s.worker.name}.${s.method.name}`;
        const input = callInput(s.args, item, callee);
        const { given, hold } = checkOptions(s.options, optionsAt("call"), `on a call`, constScope);
        if (!known || input === undefined) return undefined;
        const ir: StageIR = { kind: "call", worker: s.worker.name, method: s.method.name, input, hold: hold !== undefined, options: { ...defaults, ...given }, loc: loc(s.span) };
        return { ir, out: "any", rounds: rounds || hold !== undefined, hold: hold !== undefined };
      }
      case "reduce": {
        const known = resolveWorker(s.worker);
        if (s.args !== null && s.args.length > 0) {
          report(diagnostic("QB4004", s.span, `\`reduce ${s.worker.name}.${s.method.name}\` takes no arguments: it calls the method with two items, \`{left, right}\``,
            `write \`reduce ${s.worker.name}.${s.method.name}\``));
          return undefined;
        }
        const { given } = checkOptions(s.options, optionsAt("reduce"), "on `reduce`", constScope);
        if (!known) return undefined;
        const { parallel, timeoutMs, retries, backoffMs } = { ...defaults, ...given };
        const options: CallOptions = { parallel, timeoutMs, retries, backoffMs, ordered: false, onError: "fail" };
        return { ir: { kind: "reduce", worker: s.worker.name, method: s.method.name, options, loc: loc(s.span) }, out: "any", rounds: false, hold: false };
      }
      case "gather": {
        checkOptions(s.options, [], "on `gather`", constScope);
        if (s.byRound && !rounds) {
          report(diagnostic("QB4002", s.span, "`gather by round` needs items from a held call, and none comes before it",
            "mark the worker call that yields rounds with `hold`, or use plain `gather`"));
          return undefined;
        }
        return { ir: { kind: "gather", byRound: s.byRound, loc: loc(s.span) }, out: "list", rounds: false, hold: false };
      }
      case "flatten":
      case "last":
        checkOptions(s.options, [], `on \`${s.kind}\``, constScope);
        return { ir: { kind: s.kind, loc: loc(s.span) }, out: s.kind === "last" ? item : "any", rounds: s.kind === "flatten" && rounds, hold: false };
      case "take": {
        checkOptions(s.options, [], "on `take`", constScope);
        const n = wholeNumber(s.count, 0, "`take`", constScope);
        if (n === undefined) return undefined;
        return { ir: { kind: "take", count: n, loc: loc(s.span) }, out: item, rounds: false, hold: false };
      }
    }
  };

  for (const b of topological()) analyze(b);

  /** Whether step `from` reads step `to`, directly or not; undefined when a step on the way had mistakes. */
  const readsFrom = (from: string, to: string): boolean | undefined => {
    const seen = new Set<string>();
    const stack = [from];
    let unknown = false;
    while (stack.length) {
      const s = stack.pop()!;
      if (s === to) return true;
      if (seen.has(s)) continue;
      seen.add(s);
      const src = info.get(s)?.ir?.source;
      if (!src) unknown = true;
      else if (src.kind === "step") stack.push(src.step);
      else if (src.kind === "merge") stack.push(...src.steps);
    }
    return unknown ? undefined : false;
  };

  // ---- signals ----
  const signals: SignalIR[] = [];
  const signalKeys = new Map<string, Span>();
  for (const m of flow.members) {
    if (m.kind !== "signal") continue;
    // the target is not read as a dependency: signals are the one way a loop may close
    let target: StepInfo | undefined;
    if (bindings.has(m.target.name)) target = info.get(m.target.name);
    else stepRef(m.target); // reports the unknown name
    const from = stepRef(m.from);
    let name: string | undefined;
    if (m.signal.kind === "name") {
      report(diagnostic("QB3001", m.signal.span, "a signal name is a string", `write \`as "${m.signal.name}"\``));
    } else {
      name = constString(m.signal, "a signal name");
    }
    if (target) {
      if (!target.held) {
        report(diagnostic("QB4003", m.target.span, `\`${m.target.name}\` has no held call to receive signal ${name === undefined ? "" : `"${name}"`}`.trimEnd(),
          "mark the worker call that awaits signals with `hold`"));
      }
    }
    if (name !== undefined) {
      // several steps may send the same signal; the same pair twice would send every item twice
      const key = `${m.target.name}\u0000${m.from.name}\u0000${name}`;
      const prev = signalKeys.get(key);
      if (prev) report(diagnostic("QB4010", m.span, `\`${m.from.name}\` already sends signal "${name}" to \`${m.target.name}\` at ${where(prev)}`, "remove one of the two lines"));
      signalKeys.set(key, m.span);
    }
    if (target?.held && from && name !== undefined) {
      // a signal closes a loop: it must come from the held step's own outputs, or the
      // rounds it answers could never be told apart from the values it sends
      if (readsFrom(m.from.name, m.target.name) === false) {
        report(diagnostic("QB4016", m.from.span, `\`${m.from.name}\` does not read \`${m.target.name}\`, so its signal "${name}" cannot answer the rounds of \`${m.target.name}\``,
          `send a step made from \`${m.target.name}\`'s outputs (a merge may add starting values: \`merge(init, next)\`); give other data to the held call as its input`));
      }
      signals.push({ step: m.target.name, from: m.from.name, name, loc: loc(m.span) });
    }
  }

  // ---- sinks ----
  const sinks: SinkIR[] = [];
  const emitted = new Map<string, Span>();
  const landPaths = new Map<string, Span>();
  for (const m of flow.members) {
    if (m.kind === "emit") {
      for (const n of m.names) {
        const prev = emitted.get(n.name);
        if (prev) {
          report(diagnostic("QB4008", n.span, `\`${n.name}\` is already emitted at ${where(prev)}`));
          continue;
        }
        emitted.set(n.name, n.span);
        if (stepRef(n)) sinks.push({ kind: "emit", step: n.name, loc: loc(n.span) });
      }
    } else if (m.kind === "into") {
      const dep = stepRef(m.step);
      if (m.target.kind === "pond") {
        const table = constString(m.target.table, "a table name");
        if (table !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(table)) {
          report(diagnostic("QB3012", m.target.table.span, `\`${table}\` is not a valid table name`, "use letters, digits and `_`, optionally `schema.table`"));
        } else if (table !== undefined && dep) {
          sinks.push({ kind: "pond", table, step: m.step.name, loc: loc(m.span) });
        }
      } else {
        const path = constString(m.target.path, "a land path");
        const file = path === undefined ? undefined : landFile(path);
        const sp = m.target.path.span;
        if (file && !file.ok) {
          if (file.why === "not-a-file") report(diagnostic("QB3011", sp, `\`${path}\` is not a file under the land`, "name a file, like `out/result.jsonl`"));
          else if (file.why === "parent") report(diagnostic("QB3011", sp, `\`${path}\` uses \`..\``, `land paths may not contain \`..\`: write \`${file.suggestion}\``));
          else report(diagnostic("QB3011", sp, `\`${path}\` is outside the land`, "land paths are relative, like `out/result.jsonl`, and may not use `..` to leave the land"));
        } else if (file) {
          const prev = landPaths.get(file.path);
          if (prev) report(diagnostic("QB4013", sp, `\`${file.path}\` is already written at ${where(prev)}`, "write each step to its own file"));
          landPaths.set(file.path, sp);
          if (dep) sinks.push({ kind: "land", path: file.path, step: m.step.name, loc: loc(m.span) });
        }
      }
    }
  }

  // ---- usage: these warnings only add noise next to errors, which often cause them ----
  if (hadErrors()) return result();
  if (!flow.members.some((m) => m.kind === "emit" || m.kind === "into")) {
    report(diagnostic("QB4006", flow.name.span, `flow \`${flow.name.name}\` has no \`emit\` or \`into\`: its results go nowhere`, "add `emit step` for the step whose items are the result"));
  }
  for (const b of bindings.values()) {
    if (!consumed.has(b.name.name)) {
      report(diagnostic("QB2005", b.name.span, `step \`${b.name.name}\` is never used`, `emit it (\`emit ${b.name.name}\`), read it in another step, or remove it`));
    }
  }
  for (const w of workers.values()) {
    if (!usedWorkers.has(w.name.name)) report(diagnostic("QB2008", w.name.span, `worker \`${w.name.name}\` is never called`));
  }

  return result();

  function result(): FlowIR {
    return {
    version: IR_VERSION,
    flow: flow.name.name,
    file: opts.file,
    params: params.ir,
    workers: [...workerIR.values()],
    steps: order,
    signals,
    sinks,
    };
  }
}

/** The steps a binding's source reads. */
function refsOfBinding(b: Binding): Name[] {
  const s = b.source;
  if (s.kind === "ref") return [{ name: s.name, span: s.span }];
  if (s.kind === "call" && s.callee === "merge") return s.args.flatMap((a) => (a.name === undefined && a.value.kind === "name" ? [{ name: a.value.name, span: a.value.span }] : []));
  return [];
}

export type { Typed };
