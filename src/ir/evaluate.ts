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
    case "bin":
      return binary(e.op, evaluate(e.left, item), evaluate(e.right, item));
    case "list":
      return e.items.map((x) => evaluate(x, item));
    case "object": {
      // fromEntries defines own properties: `out["__proto__"] = v` would set the prototype and drop the key
      return Object.fromEntries(e.entries.map(([k, v]) => [k, evaluate(v, item)]));
    }
  }
}

export function binary(op: BinaryOp, a: Json, b: Json): Json {
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
