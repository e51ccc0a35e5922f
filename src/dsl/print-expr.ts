import type { Arg, Expr } from "./ast.js";

const PRECEDENCE: Record<string, number> = { "+": 1, "-": 1, "*": 2, "/": 2, "%": 2 };

function precedence(e: Expr): number {
  if (e.kind === "binary") return PRECEDENCE[e.op]!;
  if (e.kind === "unary") return 3;
  return 4;
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
      return `${printExpr(e.object, 4)}.${e.name}`;
    case "index":
      return `${printExpr(e.object, 4)}[${printExpr(e.index)}]`;
    case "unary":
      return `-${printExpr(e.operand, 3)}`;
    case "binary": {
      const p = PRECEDENCE[e.op]!;
      return `${printExpr(e.left, p)} ${e.op} ${printExpr(e.right, p + 1)}`;
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
  return printExpr(e, 3);
}

export function printArgs(args: Arg[]): string {
  return `(${args.map((a) => (a.name !== undefined ? `${a.name}: ${printExpr(a.value)}` : printExpr(a.value))).join(", ")})`;
}
