import type { Span } from "./span.js";

export type TokenKind =
  | "ident"
  | "int"
  | "float"
  | "quantity" // a number with a unit suffix: 60s, 1.5m, 512Mi, 500m
  | "string"
  | "newline"
  | "eof"
  | "error"
  // punctuation
  | "("
  | ")"
  | "{"
  | "}"
  | "["
  | "]"
  | ","
  | ":"
  | ";"
  | "."
  | "|"
  | "="
  | "<-"
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">=";

export interface Token {
  kind: TokenKind;
  span: Span;
  /** The exact source text of the token. */
  text: string;
  /** Decoded value: number for int/float/quantity, string for string/ident. */
  value?: number | string;
  /** Unit of a quantity token ("s", "Mi", ...). */
  unit?: string;
}

export interface Comment {
  span: Span;
  /** The comment text including the leading `#`. */
  text: string;
  /** True when code precedes the comment on its line. */
  trailing: boolean;
}

/** Words with a fixed meaning at the start of a flow member or worker property. */
export const KEYWORDS = new Set(["flow", "worker", "emit", "into", "hold", "as", "true", "false", "null"]);
