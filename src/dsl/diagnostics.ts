import type { Span } from "./span.js";

export type Severity = "error" | "warning";

/**
 * Every diagnostic the compiler can report. Codes are stable: tools and docs refer to
 * them, so a code is never reused for another meaning.
 */
export const DIAGNOSTIC_CODES = {
  // syntax
  QB1001: { severity: "error", title: "unexpected character" },
  QB1002: { severity: "error", title: "unterminated string" },
  QB1003: { severity: "error", title: "malformed number" },
  QB1004: { severity: "error", title: "unexpected token" },
  QB1005: { severity: "error", title: "expected a stage" },
  QB1006: { severity: "error", title: "expected a source" },
  QB1007: { severity: "error", title: "unknown worker property" },
  QB1008: { severity: "error", title: "unknown stage option" },
  QB1009: { severity: "error", title: "nesting too deep" },
  QB1010: { severity: "error", title: "missing or extra flow declaration" },
  QB1011: { severity: "error", title: "invalid escape in string" },
  QB1012: { severity: "error", title: "option given twice" },
  QB1013: { severity: "error", title: "expected a flow member" },
  // names
  QB2001: { severity: "error", title: "unknown name" },
  QB2002: { severity: "error", title: "unknown worker" },
  QB2003: { severity: "error", title: "duplicate definition" },
  QB2004: { severity: "error", title: "`item` outside a stage" },
  QB2005: { severity: "warning", title: "unused step" },
  QB2006: { severity: "error", title: "unknown param" },
  QB2007: { severity: "error", title: "param without a value" },
  QB2008: { severity: "warning", title: "unused worker" },
  QB2009: { severity: "error", title: "unknown function" },
  // types and values
  QB3001: { severity: "error", title: "type mismatch" },
  QB3002: { severity: "error", title: "default does not match the param's type" },
  QB3003: { severity: "error", title: "param value does not match its type" },
  QB3004: { severity: "error", title: "invalid duration" },
  QB3005: { severity: "error", title: "invalid size or cpu" },
  QB3006: { severity: "error", title: "expected a whole number in range" },
  QB3007: { severity: "error", title: "unknown type" },
  QB3008: { severity: "error", title: "division by zero" },
  QB3009: { severity: "error", title: "no such field" },
  QB3010: { severity: "error", title: "invalid worker address" },
  QB3011: { severity: "error", title: "path escapes the land" },
  QB3012: { severity: "error", title: "invalid table name" },
  // structure
  QB4001: { severity: "error", title: "cycle not through `<-`" },
  QB4002: { severity: "error", title: "`gather by round` without a held call" },
  QB4003: { severity: "error", title: "signal to a step without `hold`" },
  QB4004: { severity: "error", title: "wrong number of arguments" },
  QB4005: { severity: "error", title: "worker needs exactly one of `run` or `at`" },
  QB4006: { severity: "warning", title: "flow has no sink" },
  QB4007: { severity: "error", title: "option not valid here" },
  QB4008: { severity: "error", title: "step emitted twice" },
  QB4009: { severity: "error", title: "more than one held call in a step" },
  QB4010: { severity: "error", title: "duplicate signal" },
  QB4011: { severity: "error", title: "SQL parameter without a value" },
  QB4012: { severity: "warning", title: "unused SQL parameter" },
  QB4013: { severity: "error", title: "two sinks write one file" },
  QB4014: { severity: "warning", title: "step merged twice" },
  QB4015: { severity: "error", title: "more than one SQL statement" },
  QB4016: { severity: "error", title: "signal from outside its loop" },
  QB4017: { severity: "error", title: "invalid `deploy`" },
  // found when the workers start, before any call
  QB5001: { severity: "error", title: "worker has no such method" },
  QB5002: { severity: "error", title: "`hold` does not match the worker's method" },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span: Span;
  /** A concrete fix, e.g. "did you mean `total`?". */
  help?: string;
}

export function diagnostic(code: DiagnosticCode, span: Span, message: string, help?: string): Diagnostic {
  const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code].severity, message, span };
  if (help !== undefined) d.help = help;
  return d;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Sorts by position, then code, so output is stable whatever order passes ran in. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end || a.code.localeCompare(b.code));
}
