import type { Expr } from "./ast.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import type { Span } from "./span.js";
import { didYouMean } from "../common/suggest.js";
import { DURATION_UNITS, SIZE_UNITS, isNumeric, join, typeOfValue, type Type } from "./types.js";
import { ExpressionError, evaluate } from "../ir/evaluate.js";
import type { IRExpr, Json } from "../ir/types.js";

export interface Typed {
  type: Type;
  ir: IRExpr;
  /** Set once a mistake in this expression was reported: later checks stay quiet about it. */
  error?: true;
}

export interface ExprScope {
  /** A param whose value is undefined had a mistake already reported. */
  params: ReadonlyMap<string, { type: Type; value: Json | undefined }>;
  /** The type of `item` here, or a reason why there is no item. */
  item: { type: Type } | { missing: string };
  /** Names that exist but are not values (steps, workers), with what they are. */
  others: ReadonlyMap<string, string>;
  report(d: Diagnostic): void;
}

const ANY: Typed = { type: "any", ir: { kind: "lit", value: null }, error: true };

export function isConstant(t: Typed): t is Typed & { ir: { kind: "lit"; value: Json } } {
  return t.ir.kind === "lit" && !t.error;
}

function lit(type: Type, value: Json): Typed {
  return { type, ir: { kind: "lit", value } };
}

/** Interprets `60s` or `512Mi`; reports unknown units. */
export function quantity(value: number, unit: string, raw: string, sp: Span, report: (d: Diagnostic) => void): Typed {
  // own keys only: `5toString` must not find Object.prototype.toString
  const ms = Object.hasOwn(DURATION_UNITS, unit) ? DURATION_UNITS[unit] : undefined;
  if (ms !== undefined) return lit("duration", value * ms);
  const bytes = Object.hasOwn(SIZE_UNITS, unit) ? SIZE_UNITS[unit] : undefined;
  if (bytes !== undefined) return lit("size", value * bytes);
  const durations = `durations take ${Object.keys(DURATION_UNITS).join(", ")}, e.g. \`${value}s\``;
  const sizes = `sizes take ${Object.keys(SIZE_UNITS).join(", ")}, e.g. \`${value}Mi\``;
  if (/^(ns|us|\u00b5s|sec|secs|second|seconds|min|mins|minute|minutes|hr|hrs|hour|hours|day|days|w|wk|week|weeks)$/i.test(unit)) {
    report(diagnostic("QB3004", sp, `unknown duration unit \`${unit}\` in \`${raw}\``, durations));
  } else if (/^([kmgtpe]i?b|[kmgtpe]ib?|b|bytes?)$/i.test(unit)) {
    report(diagnostic("QB3005", sp, `unknown size unit \`${unit}\` in \`${raw}\``, sizes));
  } else {
    report(diagnostic("QB3004", sp, `unknown unit \`${unit}\` in \`${raw}\``, `${durations}; ${sizes}`));
  }
  return ANY;
}

/** Types an expression and lowers it to IR, folding whatever is constant. */
export function checkExpr(e: Expr, scope: ExprScope): Typed {
  switch (e.kind) {
    case "int":
      return lit("int", e.value);
    case "float":
      return lit("float", e.value);
    case "quantity":
      return quantity(e.value, e.unit, e.raw, e.span, scope.report);
    case "string":
      return lit("string", e.value);
    case "bool":
      return lit("bool", e.value);
    case "null":
      return lit("null", null);
    case "error":
      return ANY;
    case "name": {
      if (e.name === "item") {
        if ("missing" in scope.item) {
          scope.report(
            diagnostic("QB2004", e.span, `\`item\` is not available ${scope.item.missing}`, "`item` is the current item inside a stage's arguments"),
          );
          return ANY;
        }
        return { type: scope.item.type, ir: { kind: "item" } };
      }
      const p = scope.params.get(e.name);
      if (p) return p.value === undefined ? { type: p.type, ir: { kind: "lit", value: null }, error: true } : lit(p.type, p.value);
      const other = scope.others.get(e.name);
      if (other) {
        scope.report(
          diagnostic(
            "QB2001",
            e.span,
            `\`${e.name}\` is ${other}, not a value`,
            other.startsWith("a step") ? `read a step's items by making it the source: \`x = ${e.name} | ...\`` : undefined,
          ),
        );
        return ANY;
      }
      const candidates = [...scope.params.keys(), ...("missing" in scope.item ? [] : ["item"])];
      scope.report(diagnostic("QB2001", e.span, `unknown name \`${e.name}\``, didYouMean(e.name, candidates)));
      return ANY;
    }
    case "member": {
      const o = checkExpr(e.object, scope);
      if (o.error) return ANY;
      // a constant (a `json` param, an object literal) is looked into now, whatever its static type
      const known = isConstant(o) ? o.ir.value : undefined;
      const isObj = known !== null && typeof known === "object" && !Array.isArray(known);
      // a constant that is not an object (a `json` param holding a list) has no field now,
      // and would have none at run time either
      const type = isConstant(o) ? typeOfValue(known) : o.type;
      if (type === "any") return { type: "any", ir: { kind: "field", of: o.ir, key: e.name } };
      if (type !== "object" && !isObj) {
        scope.report(diagnostic("QB3009", e.nameSpan, `${describeType(type)} has no field \`${e.name}\``));
        return ANY;
      }
      if (isConstant(o)) {
        const obj = o.ir.value as { [k: string]: Json };
        if (!Object.prototype.hasOwnProperty.call(obj, e.name)) {
          scope.report(
            diagnostic(
              "QB3009",
              e.nameSpan,
              `no field \`${e.name}\``,
              didYouMean(e.name, Object.keys(obj)) ??
                `fields are ${
                  Object.keys(obj)
                    .map((k) => `\`${k}\``)
                    .join(", ") || "none"
                }`,
            ),
          );
          return ANY;
        }
        const v = obj[e.name]!;
        return lit(typeOfValue(v), v);
      }
      return { type: "any", ir: { kind: "field", of: o.ir, key: e.name } };
    }
    case "index": {
      const o = checkExpr(e.object, scope);
      const ix = checkExpr(e.index, scope);
      if (o.type !== "any" && o.type !== "list" && o.type !== "object") {
        scope.report(diagnostic("QB3001", e.span, `cannot index ${describeType(o.type)}`));
        return ANY;
      }
      return fold({ type: "any", ir: { kind: "index", of: o.ir, index: ix.ir } }, [o, ix], e.span, scope);
    }
    case "unary": {
      const v = checkExpr(e.operand, scope);
      if (v.error) return ANY;
      if (e.op === "not") {
        if (v.type !== "bool" && v.type !== "any") {
          scope.report(diagnostic("QB3001", e.span, `\`not\` needs a bool, not ${describeType(v.type)}`, "compare it first: `not (x == 0)`"));
          return ANY;
        }
        return fold({ type: "bool", ir: { kind: "not", of: v.ir } }, [v], e.span, scope);
      }
      if (!isNumeric(v.type) && v.type !== "duration" && v.type !== "size" && v.type !== "any") {
        scope.report(diagnostic("QB3001", e.span, `cannot negate ${describeType(v.type)}`));
        return ANY;
      }
      return fold({ type: v.type, ir: { kind: "neg", of: v.ir } }, [v], e.span, scope);
    }
    case "binary": {
      const l = checkExpr(e.left, scope);
      const r = checkExpr(e.right, scope);
      if (l.error || r.error) return ANY;
      const t = binaryType(e.op, l.type, r.type);
      if (t === undefined) {
        scope.report(
          diagnostic(
            "QB3001",
            e.span,
            `cannot apply \`${e.op}\` to ${describeType(l.type)} and ${describeType(r.type)}`,
            e.op === "+" && (l.type === "string" || r.type === "string")
              ? "`+` joins two strings; numbers are not converted"
              : e.op === "and" || e.op === "or"
                ? "`and` and `or` join bools, as comparisons give: `x > 0 and x < 10`"
                : undefined,
          ),
        );
        return ANY;
      }
      return fold({ type: t, ir: { kind: "bin", op: e.op, left: l.ir, right: r.ir } }, [l, r], e.span, scope);
    }
    case "list": {
      const items = e.items.map((x) => checkExpr(x, scope));
      return fold({ type: "list", ir: { kind: "list", items: items.map((x) => x.ir) } }, items, e.span, scope);
    }
    case "object": {
      const seen = new Map<string, Span>();
      const entries: Array<[string, IRExpr]> = [];
      const values: Typed[] = [];
      for (const entry of e.entries) {
        if (seen.has(entry.key)) scope.report(diagnostic("QB2003", entry.keySpan, `key \`${entry.key}\` given twice`));
        seen.set(entry.key, entry.keySpan);
        const v = checkExpr(entry.value, scope);
        values.push(v);
        entries.push([entry.key, v.ir]);
      }
      return fold({ type: "object", ir: { kind: "object", entries } }, values, e.span, scope);
    }
  }
}

/** Replaces an expression whose parts are all constant by its value. */
function fold(t: Typed, parts: Typed[], sp: Span, scope: ExprScope): Typed {
  if (parts.some((p) => p.error)) return { ...t, error: true };
  if (!parts.every((p) => p.ir.kind === "lit")) return t;
  try {
    const value = evaluate(t.ir, null);
    return lit(t.type === "any" ? typeOfValue(value) : t.type, value);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    scope.report(diagnostic(err.reason === "division-by-zero" ? "QB3008" : err.reason === "field" ? "QB3009" : "QB3001", sp, err.message));
    return ANY;
  }
}

function binaryType(op: string, a: Type, b: Type): Type | undefined {
  if (op === "==" || op === "!=") return "bool";
  if (op === "and" || op === "or") return (a === "bool" || a === "any") && (b === "bool" || b === "any") ? "bool" : undefined;
  if (op === "<" || op === "<=" || op === ">" || op === ">=") {
    if (a === "any" || b === "any" || (isNumeric(a) && isNumeric(b))) return "bool";
    return a === b && (a === "string" || a === "duration" || a === "size") ? "bool" : undefined;
  }
  if (a === "any" || b === "any") return "any";
  if (isNumeric(a) && isNumeric(b)) return op === "/" ? "float" : a === "int" && b === "int" ? "int" : "float";
  for (const q of ["duration", "size"] as const) {
    if (a === q && b === q) return op === "+" || op === "-" ? q : op === "/" ? "float" : undefined;
    if (a === q && isNumeric(b)) return op === "*" || op === "/" ? q : undefined;
    if (isNumeric(a) && b === q) return op === "*" ? q : undefined;
  }
  if (op === "+" && a === "string" && b === "string") return "string";
  if (op === "+" && a === "list" && b === "list") return "list";
  return undefined;
}

export function describeType(t: Type): string {
  switch (t) {
    case "int":
      return "an int";
    case "any":
      return "a value";
    case "object":
      return "an object";
    default:
      return `a ${t}`;
  }
}

export function joinAll(types: Type[]): Type {
  return types.length === 0 ? "any" : types.reduce(join);
}

/** A constant string (a name, a path, a command), or undefined after a diagnostic. */
/** A constant string or list of strings (`exclude: "tmp/**"`, `exclude: ["a", "b"]`), as a list. */
export function constStrings(e: Expr, what: string, scope: ExprScope): string[] | undefined {
  const t = checkExpr(e, scope);
  if (t.error) return undefined;
  const v = isConstant(t) ? t.ir.value : undefined;
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  scope.report(diagnostic("QB3001", e.span, `${what} must be a string or a list of strings, got ${describeType(t.type)}`));
  return undefined;
}

export function constString(e: Expr, what: string, scope: ExprScope): string | undefined {
  const t = checkExpr(e, scope);
  if (t.error) return undefined;
  if (!isConstant(t) || typeof t.ir.value !== "string") {
    scope.report(diagnostic("QB3001", e.span, `${what} must be a string, got ${describeType(t.type)}`));
    return undefined;
  }
  return t.ir.value;
}
