import type { Arg, Expr } from "./ast.js";

/** Loosest first: `or`, `and`, `not` (3), comparisons, `+ -`, `* / %`, unary minus (7), postfix (8). */
const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  "==": 4,
  "!=": 4,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
};
const NOT = 3;
const MINUS = 7;
const POSTFIX = 8;

function precedence(e: Expr): number {
  if (e.kind === "binary") return PRECEDENCE[e.op]!;
  if (e.kind === "unary") return e.op === "not" ? NOT : MINUS;
  return POSTFIX;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A string literal in the DSL's own escapes. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (cp < 32 || cp === 127 || (cp >= 0x2028 && cp <= 0x2029)) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return out + '"';
}

/** Prints an expression with the fewest parentheses that keep its meaning. */
export function printExpr(e: Expr, minPrecedence = 0): string {
  const text = printBare(e);
  return precedence(e) < minPrecedence ? `(${text})` : text;
}

function printBare(e: Expr): string {
  switch (e.kind) {
    case "int":
    case "float":
    case "quantity":
      return e.raw;
    case "string":
      return quote(e.value);
    case "bool":
      return String(e.value);
    case "null":
      return "null";
    case "name":
      return e.name;
    case "member":
      return `${printExpr(e.object, POSTFIX)}.${e.name}`;
    case "index":
      return `${printExpr(e.object, POSTFIX)}[${printExpr(e.index)}]`;
    case "unary":
      return e.op === "not" ? `not ${printExpr(e.operand, NOT)}` : `-${printExpr(e.operand, MINUS)}`;
    case "binary": {
      const p = PRECEDENCE[e.op]!;
      // comparisons do not chain: a comparison on either side keeps its parentheses
      return `${printExpr(e.left, p === 4 ? p + 1 : p)} ${e.op} ${printExpr(e.right, p + 1)}`;
    }
    case "list":
      return `[${e.items.map((x) => printExpr(x)).join(", ")}]`;
    case "object":
      return `{${e.entries.map((en) => `${IDENT.test(en.key) ? en.key : quote(en.key)}: ${printExpr(en.value)}`).join(", ")}}`;
    case "error":
      return "<error>";
  }
}

/** Option values and `take n` are parsed at unary level: wrap anything looser. */
export function printOperand(e: Expr): string {
  return printExpr(e, MINUS);
}

export function printArgs(args: Arg[]): string {
  return `(${args.map((a) => (a.name !== undefined ? `${a.name}: ${printExpr(a.value)}` : printExpr(a.value))).join(", ")})`;
}
