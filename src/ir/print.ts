/** An IR expression as DSL-like text, for graph labels and messages: nested operators in parentheses. */
import type { IRExpr } from "./types.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function printIRExpr(e: IRExpr): string {
  const inner = (x: IRExpr): string => (x.kind === "bin" || x.kind === "not" || x.kind === "neg" ? `(${printIRExpr(x)})` : printIRExpr(x));
  switch (e.kind) {
    case "lit":
      return JSON.stringify(e.value);
    case "item":
      return "item";
    case "field":
      return NAME.test(e.key) ? `${inner(e.of)}.${e.key}` : `${inner(e.of)}[${JSON.stringify(e.key)}]`;
    case "index":
      return `${inner(e.of)}[${printIRExpr(e.index)}]`;
    case "neg":
      return `-${inner(e.of)}`;
    case "not":
      return `not ${inner(e.of)}`;
    case "bin":
      return `${inner(e.left)} ${e.op} ${inner(e.right)}`;
    case "list":
      return `[${e.items.map(printIRExpr).join(", ")}]`;
    case "object":
      return `{${e.entries.map(([k, v]) => `${NAME.test(k) ? k : JSON.stringify(k)}: ${printIRExpr(v)}`).join(", ")}}`;
  }
}
