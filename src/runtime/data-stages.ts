/**
 * `where`, `map` and `group by`: stages the quarterback evaluates itself, with no worker
 * round trip. `where` and `map` keep a held call's rounds (a mark passes as it is); `group
 * by` reads its whole input, like `gather`, and ends them.
 */
import { evaluate, ExpressionError } from "../ir/evaluate.js";
import type { IRExpr, Json, Loc } from "../ir/types.js";
import { preview, StepError } from "./errors.js";
import { RoundItem, RoundMark, type Flowing } from "./rounds.js";

/** `expr` of `item`; an expression that fails names the stage, its line and the item. */
function evaluateAt(step: string, what: string, loc: Loc, expr: IRExpr, item: Json): Json {
  try {
    return evaluate(expr, item);
  } catch (err) {
    if (err instanceof ExpressionError) throw new StepError(step, `${err.message} in \`${what}\` (line ${loc.line}), item ${preview(item)}`, { cause: err });
    throw err;
  }
}

export async function* where(input: AsyncIterable<Flowing>, step: string, test: IRExpr, loc: Loc): AsyncGenerator<Flowing> {
  for await (const v of input) {
    if (v instanceof RoundMark) {
      yield v;
      continue;
    }
    const value = v instanceof RoundItem ? v.value : v;
    const kept = evaluateAt(step, "where", loc, test, value);
    if (typeof kept !== "boolean") throw new StepError(step, `\`where\` (line ${loc.line}) needs a bool, got ${preview(kept)} for item ${preview(value)}`);
    if (kept) yield v;
  }
}

export async function* map(input: AsyncIterable<Flowing>, step: string, expr: IRExpr, loc: Loc): AsyncGenerator<Flowing> {
  for await (const v of input) {
    if (v instanceof RoundMark) yield v;
    else if (v instanceof RoundItem) yield new RoundItem(evaluateAt(step, "map", loc, expr, v.value), v.round, v.origin);
    else yield evaluateAt(step, "map", loc, expr, v);
  }
}

/** A key's identity: JSON with object keys sorted, so `{a, b}` and `{b, a}` are one key. */
function canonical(v: Json): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(v[k]!)}`)
    .join(",")}}`;
}

/** One `{key, items}` per distinct key, in the order keys were first seen; items in arrival order. */
export async function* groupBy(input: AsyncIterable<Json>, step: string, key: IRExpr, loc: Loc): AsyncGenerator<Json> {
  const groups = new Map<string, { key: Json; items: Json[] }>();
  for await (const v of input) {
    const k = evaluateAt(step, "group by", loc, key, v);
    const id = canonical(k);
    const group = groups.get(id);
    if (group) group.items.push(v);
    else groups.set(id, { key: k, items: [v] });
  }
  for (const g of groups.values()) yield g;
}
