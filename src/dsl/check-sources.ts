import type { Expr, Source } from "./ast.js";
import { diagnostic } from "./diagnostics.js";
import { checkExpr, constString, constStrings, describeType, isConstant, joinAll } from "./expressions.js";
import { wholeNumber } from "./options.js";
import { sqlParameterUses, sqlSecondStatement } from "../sql/scanner.js";
import { escapesLand } from "./land-path.js";
import type { Span } from "./span.js";
import { didYouMean } from "../common/suggest.js";
import { typeOfValue, type Type } from "./types.js";
import type { CheckContext } from "./check-context.js";
import { stepRef } from "./check-names.js";
import type { Json, SourceIR } from "../ir/types.js";

/*
 * A step's source: another step, a list, or a source function (range, merge, join, combine, pond, glob).
 * Its arguments are constants: a source runs once, before any item exists.
 */

type SourceCall = Extract<Source, { kind: "call" }>;

/** A source as checked: its IR (absent after a mistake), the type of its items, and whether they carry rounds. */
export interface CheckedSource {
  ir?: SourceIR;
  out: Type;
  rounds: boolean;
}

const SOURCES = ["range", "merge", "join", "combine", "pond", "glob", "land.glob"];
const NO_ITEM = { missing: "in a source: a source makes the items" };

export function checkSource(cx: CheckContext, s: Source): CheckedSource {
  const fail = { out: "any" as Type, rounds: false };
  switch (s.kind) {
    case "ref": {
      const dep = stepRef(cx, { name: s.name, span: s.span }, true);
      if (!dep) return fail;
      return { ir: { kind: "step", step: s.name }, out: dep.out, rounds: dep.rounds };
    }
    case "literal": {
      const t = checkExpr(s.expr, cx.scopeWith(NO_ITEM));
      // checked without an item: constant unless a mistake was reported
      if (!isConstant(t)) return fail;
      const items = t.ir.value as Json[];
      return { ir: { kind: "list", items }, out: joinAll(items.map(typeOfValue)), rounds: false };
    }
    case "call":
      return sourceCall(cx, s) ?? fail;
  }
}

function sourceCall(cx: CheckContext, s: SourceCall): CheckedSource | undefined {
  switch (s.callee) {
    case "range": {
      const a = positional(cx, s, 1, 1, "`range(n)`");
      if (!a) return undefined;
      const n = wholeNumber(a[0]!, 0, "`range`", cx.constScope);
      return n === undefined ? undefined : { ir: { kind: "range", count: n }, out: "int", rounds: false };
    }
    case "merge":
      return merge(cx, s);
    case "join":
    case "combine":
      return join(cx, s);
    case "pond":
      return pond(cx, s);
    case "glob":
    case "land.glob":
      return glob(cx, s);
  }
  const [head] = s.callee.split(".");
  if (head !== undefined && cx.workers.has(head)) {
    cx.usedWorkers.add(head);
    cx.report(diagnostic("QB1006", s.span, `a worker call is a stage, not a source`, `start from a source and pipe into it: \`range(1) | ${s.callee}(...)\``));
    return undefined;
  }
  cx.report(
    diagnostic(
      "QB2009",
      s.calleeSpan,
      `unknown source function \`${s.callee}\``,
      didYouMean(s.callee, SOURCES) ?? `sources are ${SOURCES.map((x) => `\`${x}(...)\``).join(", ")}, a step name or a list`,
    ),
  );
  return undefined;
}

/** The positional arguments, when their count is right and every named one is in `named`. */
function positional(cx: CheckContext, s: SourceCall, min: number, max: number, usage: string, named: readonly string[] = []): Expr[] | undefined {
  const pos = s.args.filter((a) => a.name === undefined).map((a) => a.value);
  let ok = true;
  for (const a of s.args) {
    if (a.name !== undefined && !named.includes(a.name)) {
      cx.report(diagnostic("QB4004", a.nameSpan ?? a.span, `\`${s.callee}\` has no argument \`${a.name}\``, `write ${usage}`));
      ok = false;
    }
  }
  if (pos.length < min || pos.length > max) {
    const takes = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    cx.report(diagnostic("QB4004", s.span, `\`${s.callee}\` takes ${takes} argument${max === 1 ? "" : "s"}, got ${pos.length}`, `write ${usage}`));
    // what it names still counts as read, so no "never used" follows
    for (const a of pos) if (a.kind === "name") cx.consumed.add(a.name);
    ok = false;
  }
  return ok ? pos : undefined;
}

function merge(cx: CheckContext, s: SourceCall): CheckedSource | undefined {
  const a = positional(cx, s, 2, Infinity, "`merge(a, b, ...)` with two or more steps");
  if (!a) return undefined;
  const steps: string[] = [];
  const outs: Type[] = [];
  let rounds = true;
  const seen = new Map<string, Span>();
  for (const e of a) {
    if (e.kind !== "name") {
      cx.report(diagnostic("QB1006", e.span, "`merge` takes step names"));
      return undefined;
    }
    // each listed step gets its own channel: one listed twice sends every item twice
    const first = seen.get(e.name);
    if (first)
      cx.report(
        diagnostic("QB4014", e.span, `\`${e.name}\` is already merged at ${cx.where(first)}: every item of it would arrive twice`, "list each step once"),
      );
    else seen.set(e.name, e.span);
    const dep = stepRef(cx, { name: e.name, span: e.span }, true);
    if (!dep) return undefined;
    steps.push(e.name);
    outs.push(dep.out);
    rounds &&= dep.rounds;
  }
  return { ir: { kind: "merge", steps }, out: joinAll(outs), rounds };
}

/**
 * `combine(a, b)`: every pair of an item of `a` and one of `b`; `join(a, b, by: e)`: the pairs
 * whose key `e` (an expression over `item`, for each side) is equal. Both read plain items.
 */
function join(cx: CheckContext, s: SourceCall): CheckedSource | undefined {
  const isJoin = s.callee === "join";
  const usage = isJoin ? "`join(a, b, by: item.key)`" : "`combine(a, b)`";
  const a = positional(cx, s, 2, 2, usage, isJoin ? ["by"] : []);
  if (!a) return undefined;
  const steps: string[] = [];
  const outs: Type[] = [];
  for (const e of a) {
    if (e.kind !== "name") {
      cx.report(diagnostic("QB1006", e.span, `\`${s.callee}\` takes two step names`, `write ${usage}`));
      return undefined;
    }
    const dep = stepRef(cx, { name: e.name, span: e.span }, true);
    if (!dep) return undefined;
    steps.push(e.name);
    outs.push(dep.out);
  }
  const pair: [string, string] = [steps[0]!, steps[1]!];
  if (!isJoin) return { ir: { kind: "join", steps: pair, by: null }, out: "object", rounds: false };
  const by = s.args.find((x) => x.name === "by");
  if (!by) {
    cx.report(diagnostic("QB4004", s.span, "`join` needs `by:`, the key its pairs share", `write ${usage}, or \`combine(a, b)\` for every pair`));
    return undefined;
  }
  const key = checkExpr(by.value, cx.scopeWith({ type: joinAll(outs) }));
  if (key.error) return undefined;
  return { ir: { kind: "join", steps: pair, by: key.ir }, out: "object", rounds: false };
}

/** `pond("SQL", {param: value})`: one statement, and every `:param` bound, every bound one used. */
function pond(cx: CheckContext, s: SourceCall): CheckedSource | undefined {
  const a = positional(cx, s, 1, 2, '`pond("SELECT ... WHERE x = :x", {x: value})`');
  if (!a) return undefined;
  const sql = constString(a[0]!, "the SQL of `pond`", cx.constScope);
  if (sql === undefined) return undefined;
  let bound: Record<string, Json> = {};
  const boundSpans = new Map<string, Span>();
  if (a[1]) {
    const obj = a[1];
    const t = checkExpr(obj, cx.scopeWith(NO_ITEM));
    if (t.error) return undefined;
    if (!isConstant(t) || t.type !== "object") {
      cx.report(diagnostic("QB3001", obj.span, `the parameters of \`pond\` must be an object like \`{region: region}\`, got ${describeType(t.type)}`));
      return undefined;
    }
    bound = t.ir.value as Record<string, Json>;
    if (obj.kind === "object") for (const en of obj.entries) boundSpans.set(en.key, en.keySpan);
  }
  const lit = a[0]!;
  // point into the literal when its text is the SQL as written (no escapes)
  const plain = lit.kind === "string" && cx.text.slice(lit.span.start + 1, lit.span.end - 1) === sql;
  const second = sqlSecondStatement(sql);
  if (second !== undefined) {
    const where = plain ? { start: lit.span.start + 1 + second, end: lit.span.start + 2 + second } : lit.span;
    cx.report(diagnostic("QB4015", where, "`pond` takes one SQL statement, and this `;` starts a second one", "make it one query, or a step per query"));
    return undefined;
  }
  const uses = sqlParameterUses(sql);
  const used = uses.map((u) => u.name);
  let ok = true;
  for (const { name: p, offset } of uses) {
    if (!Object.hasOwn(bound, p)) {
      const where = plain ? { start: lit.span.start + 1 + offset, end: lit.span.start + 2 + offset + p.length } : lit.span;
      cx.report(diagnostic("QB4011", where, `SQL parameter \`:${p}\` has no value`, `bind it: \`pond("...", {${p}: value})\``));
      ok = false;
    }
  }
  for (const k of Object.keys(bound)) {
    if (!used.includes(k)) cx.report(diagnostic("QB4012", boundSpans.get(k) ?? a[1]!.span, `parameter \`${k}\` is not used by the SQL`, didYouMean(k, used)));
  }
  return ok ? { ir: { kind: "pond", sql, params: bound }, out: "object", rounds: false } : undefined;
}

/** `glob(pattern, root: dir, exclude: ...)` anywhere, or `land.glob(pattern, exclude: ...)` under the land. */
function glob(cx: CheckContext, s: SourceCall): CheckedSource | undefined {
  const isLand = s.callee === "land.glob";
  const a = positional(
    cx,
    s,
    1,
    1,
    isLand ? '`land.glob("**/*.csv", exclude: "tmp/**")`' : '`glob("**/*", root: dir, exclude: "tmp/**")`',
    isLand ? ["exclude"] : ["root", "exclude"],
  );
  if (!a) return undefined;
  const pattern = constString(a[0]!, "a glob pattern", cx.constScope);
  if (pattern === undefined) return undefined;
  let root: string | null = null;
  const rootArg = s.args.find((x) => x.name === "root");
  if (rootArg) {
    const r = constString(rootArg.value, "`root`", cx.constScope);
    if (r === undefined) return undefined;
    root = r;
  } else if (!isLand) {
    root = ".";
  }
  let exclude: string[] | undefined;
  const excludeArg = s.args.find((x) => x.name === "exclude");
  if (excludeArg) {
    exclude = constStrings(excludeArg.value, "`exclude`", cx.constScope);
    if (exclude === undefined) return undefined;
  }
  if (isLand && escapesLand(pattern)) {
    cx.report(
      diagnostic(
        "QB3011",
        a[0]!.span,
        `glob pattern \`${pattern}\` reaches outside the land`,
        "land paths are relative and stay under the land; use `glob(pattern, root: dir)` for other folders",
      ),
    );
    return undefined;
  }
  return { ir: { kind: "glob", pattern, root, ...(exclude ? { exclude } : {}) }, out: "object", rounds: false };
}
