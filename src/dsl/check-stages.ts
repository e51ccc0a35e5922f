import type { Arg, Stage } from "./ast.js";
import { diagnostic } from "./diagnostics.js";
import { checkExpr, describeType } from "./expressions.js";
import { checkOptions, wholeNumber } from "./options.js";
import { optionsAt } from "./option-words.js";
import type { Type } from "./types.js";
import type { CheckContext } from "./check-context.js";
import { resolveWorker } from "./check-names.js";
import type { CallOptions, IRExpr, Json, StageIR } from "../ir/types.js";

/*
 * One stage of a step: a worker call, `reduce`, or a built-in (gather, flatten, last, take).
 * A stage sees the type of the items it gets, and whether they carry the rounds of a held call.
 */

export interface CheckedStage {
  ir: StageIR;
  /** The type of the items it passes on. */
  out: Type;
  rounds: boolean;
  /** A held call: one per step. */
  hold: boolean;
}

/** The checked stage, or undefined after a mistake. */
export function checkStage(cx: CheckContext, s: Stage, item: Type, rounds: boolean): CheckedStage | undefined {
  switch (s.kind) {
    case "call": {
      const known = resolveWorker(cx, s.worker);
      const callee = `${s.worker.name}.${s.method.name}`;
      const input = callInput(cx, s.args, item, callee);
      const { given, hold } = checkOptions(s.options, optionsAt("call"), `on a call`, cx.constScope);
      if (!known || input === undefined) return undefined;
      const ir: StageIR = {
        kind: "call",
        worker: s.worker.name,
        method: s.method.name,
        input,
        hold: hold !== undefined,
        options: { ...cx.defaults, ...given },
        loc: cx.loc(s.span),
      };
      return { ir, out: "any", rounds: rounds || hold !== undefined, hold: hold !== undefined };
    }
    case "reduce": {
      const known = resolveWorker(cx, s.worker);
      if (s.args !== null && s.args.length > 0) {
        cx.report(
          diagnostic(
            "QB4004",
            s.span,
            `\`reduce ${s.worker.name}.${s.method.name}\` takes no arguments: it calls the method with two items, \`{left, right}\``,
            `write \`reduce ${s.worker.name}.${s.method.name}\``,
          ),
        );
        return undefined;
      }
      const { given } = checkOptions(s.options, optionsAt("reduce"), "on `reduce`", cx.constScope);
      if (!known) return undefined;
      const { parallel, timeoutMs, retries, backoffMs } = { ...cx.defaults, ...given };
      const options: CallOptions = { parallel, timeoutMs, retries, backoffMs, ordered: false, onError: "fail" };
      return { ir: { kind: "reduce", worker: s.worker.name, method: s.method.name, options, loc: cx.loc(s.span) }, out: "any", rounds: false, hold: false };
    }
    case "gather": {
      checkOptions(s.options, [], "on `gather`", cx.constScope);
      if (s.byRound && !rounds) {
        cx.report(
          diagnostic(
            "QB4002",
            s.span,
            "`gather by round` needs items from a held call, and none comes before it",
            "mark the worker call that yields rounds with `hold`, or use plain `gather`",
          ),
        );
        return undefined;
      }
      return { ir: { kind: "gather", byRound: s.byRound, loc: cx.loc(s.span) }, out: "list", rounds: false, hold: false };
    }
    case "flatten":
    case "last":
      checkOptions(s.options, [], `on \`${s.kind}\``, cx.constScope);
      return { ir: { kind: s.kind, loc: cx.loc(s.span) }, out: s.kind === "last" ? item : "any", rounds: s.kind === "flatten" && rounds, hold: false };
    case "where": {
      checkOptions(s.options, [], "on `where`", cx.constScope);
      const t = checkExpr(s.expr, cx.scopeWith({ type: item }));
      if (t.error) return undefined;
      if (t.type !== "bool" && t.type !== "any") {
        cx.report(diagnostic("QB3001", s.expr.span, `\`where\` needs a bool, not ${describeType(t.type)}`, "compare the item: `where item.size > 0`"));
        return undefined;
      }
      return { ir: { kind: "where", test: t.ir, loc: cx.loc(s.span) }, out: item, rounds, hold: false };
    }
    case "map": {
      checkOptions(s.options, [], "on `map`", cx.constScope);
      const t = checkExpr(s.expr, cx.scopeWith({ type: item }));
      if (t.error) return undefined;
      return { ir: { kind: "map", expr: t.ir, loc: cx.loc(s.span) }, out: t.type, rounds, hold: false };
    }
    case "group": {
      checkOptions(s.options, [], "on `group by`", cx.constScope);
      const t = checkExpr(s.key, cx.scopeWith({ type: item }));
      if (t.error) return undefined;
      return { ir: { kind: "group", key: t.ir, loc: cx.loc(s.span) }, out: "object", rounds: false, hold: false };
    }
    case "take": {
      checkOptions(s.options, [], "on `take`", cx.constScope);
      const n = wholeNumber(s.count, 0, "`take`", cx.constScope);
      if (n === undefined) return undefined;
      return { ir: { kind: "take", count: n, loc: cx.loc(s.span) }, out: item, rounds: false, hold: false };
    }
  }
}

/**
 * A call's input: nothing (null), one value, or named arguments as one object; undefined
 * after a mistake. Constant arguments fold into one literal.
 */
function callInput(cx: CheckContext, args: Arg[] | null, item: Type, callee: string): IRExpr | null | undefined {
  if (args === null || args.length === 0) return null;
  const scope = cx.scopeWith({ type: item });
  const named = args.filter((a) => a.name !== undefined);
  if (named.length === 0 && args.length === 1) {
    const t = checkExpr(args[0]!.value, scope);
    return t.error ? undefined : t.ir;
  }
  if (named.length !== args.length) {
    const bad = args.find((a) => a.name === undefined)!;
    cx.report(diagnostic("QB4004", bad.span, `arguments of \`${callee}\` must all be named, or be one value`, "write `name: value` for each argument"));
    return undefined;
  }
  const seen = new Set<string>();
  const entries: Array<[string, IRExpr]> = [];
  let ok = true;
  for (const a of args) {
    if (seen.has(a.name!)) {
      cx.report(diagnostic("QB2003", a.nameSpan!, `argument \`${a.name}\` given twice`));
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
}
