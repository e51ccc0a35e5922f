import type { BinaryOp, IRExpr, Json } from "./types.js";

/** A runtime expression failed (bad field access, division by zero, wrong operand types). */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly reason: "division-by-zero" | "type" | "field",
  ) {
    super(message);
    this.name = "ExpressionError";
  }
}

function kindOf(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "list";
  return typeof v === "object" ? "object" : typeof v === "number" ? (Number.isInteger(v) ? "int" : "float") : typeof v;
}

/** Evaluates an IR expression for one item. The compiler folds constants with this same function. */
export function evaluate(e: IRExpr, item: Json): Json {
  switch (e.kind) {
    case "lit":
      return e.value;
    case "item":
      return item;
    case "field": {
      const o = evaluate(e.of, item);
      if (o === null || typeof o !== "object" || Array.isArray(o)) throw new ExpressionError(`cannot read field \`${e.key}\` of ${kindOf(o)}`, "field");
      if (!Object.prototype.hasOwnProperty.call(o, e.key))
        throw new ExpressionError(`no field \`${e.key}\` (fields: ${Object.keys(o).join(", ") || "none"})`, "field");
      return o[e.key]!;
    }
    case "index": {
      const o = evaluate(e.of, item);
      const ix = evaluate(e.index, item);
      if (Array.isArray(o) && typeof ix === "number" && Number.isInteger(ix)) {
        const v = o[ix < 0 ? o.length + ix : ix];
        if (v === undefined) throw new ExpressionError(`index ${ix} out of range for a list of ${o.length}`, "field");
        return v;
      }
      if (o !== null && typeof o === "object" && !Array.isArray(o) && typeof ix === "string") {
        if (!Object.prototype.hasOwnProperty.call(o, ix)) throw new ExpressionError(`no field \`${ix}\``, "field");
        return o[ix]!;
      }
      throw new ExpressionError(`cannot index ${kindOf(o)} with ${kindOf(ix)}`, "type");
    }
    case "neg": {
      const v = evaluate(e.of, item);
      if (typeof v !== "number") throw new ExpressionError(`cannot negate ${kindOf(v)}`, "type");
      return -v;
    }
    case "not": {
      const v = evaluate(e.of, item);
      if (typeof v !== "boolean") throw new ExpressionError(`\`not\` needs a bool, not ${kindOf(v)}`, "type");
      return !v;
    }
    case "bin":
      if (e.op === "and" || e.op === "or") {
        // the right side is read only when it decides: `item.n != 0 and 10 / item.n > 1`
        const l = logical(e.op, evaluate(e.left, item));
        if (l === (e.op === "or")) return l;
        return logical(e.op, evaluate(e.right, item));
      }
      return binary(e.op, evaluate(e.left, item), evaluate(e.right, item));
    case "list":
      return e.items.map((x) => evaluate(x, item));
    case "object": {
      // fromEntries defines own properties: `out["__proto__"] = v` would set the prototype and drop the key
      return Object.fromEntries(e.entries.map(([k, v]) => [k, evaluate(v, item)]));
    }
  }
}

function logical(op: "and" | "or", v: Json): boolean {
  if (typeof v !== "boolean") throw new ExpressionError(`\`${op}\` needs bools, not ${kindOf(v)}`, "type");
  return v;
}

/** JSON equality: numbers by value, lists item by item, objects key by key whatever their order. */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, k) => jsonEqual(x, b[k]!));
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k]!, b[k]!));
}

export function binary(op: BinaryOp, a: Json, b: Json): Json {
  if (op === "==") return jsonEqual(a, b);
  if (op === "!=") return !jsonEqual(a, b);
  if (op === "<" || op === "<=" || op === ">" || op === ">=") {
    // numbers with numbers, strings with strings (by code unit, as JavaScript and SQL's binary collation)
    if ((typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string")) {
      return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
    }
    throw new ExpressionError(`cannot compare ${kindOf(a)} and ${kindOf(b)} with \`${op}\``, "type");
  }
  if (op === "and" || op === "or") {
    const l = logical(op, a);
    const r = logical(op, b);
    return op === "and" ? l && r : l || r;
  }
  if (typeof a === "number" && typeof b === "number") {
    switch (op) {
      case "+":
        return a + b;
      case "-":
        return a - b;
      case "*":
        return a * b;
      case "/":
        if (b === 0) throw new ExpressionError("division by zero", "division-by-zero");
        return a / b;
      case "%":
        if (b === 0) throw new ExpressionError("division by zero", "division-by-zero");
        return a % b;
    }
  }
  if (op === "+" && typeof a === "string" && typeof b === "string") return a + b;
  if (op === "+" && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  throw new ExpressionError(`cannot apply \`${op}\` to ${kindOf(a)} and ${kindOf(b)}`, "type");
}
