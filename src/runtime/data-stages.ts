/**
 * `where`, `map`, `group by` and the `join` source: what the quarterback evaluates itself, with no worker
 * round trip. `where` and `map` keep a held call's rounds (a mark passes as it is); `group
 * by` reads its whole input, like `gather`, and ends them.
 */
import { evaluate, ExpressionError } from "../ir/evaluate.js";
import type { IRExpr, Json, Loc } from "../ir/types.js";
import { preview, StepError } from "./errors.js";
import { RoundItem, RoundMark, type Flowing } from "./rounds.js";
import { merge } from "./stream-stages.js";

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

/**
 * `combine(a, b)` (no `by`): `{left, right}` for every pair of an item of each; `join(a, b,
 * by: e)`: `{key, left, right}` for every pair whose keys are equal as JSON. Pairs go out as
 * soon as both items are in, so it streams; each side's items are kept to the end.
 */
export async function* join(left: AsyncIterable<Json>, right: AsyncIterable<Json>, step: string, by: IRExpr | null, loc: Loc): AsyncGenerator<Json> {
  const seen: [Map<string, Json[]>, Map<string, Json[]>] = [new Map(), new Map()];
  const tagged = async function* (items: AsyncIterable<Json>, side: 0 | 1): AsyncGenerator<[0 | 1, Json]> {
    for await (const v of items) yield [side, v];
  };
  for await (const [side, v] of merge([tagged(left, 0), tagged(right, 1)])) {
    const key = by === null ? null : evaluateAt(step, "join", loc, by, v);
    const id = by === null ? "" : canonical(key);
    const mine = seen[side].get(id);
    if (mine) mine.push(v);
    else seen[side].set(id, [v]);
    for (const other of seen[1 - side]!.get(id) ?? []) {
      const [l, r] = side === 0 ? [v, other] : [other, v];
      yield by === null ? { left: l, right: r } : { key, left: l, right: r };
    }
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
