import type { Diagnostic } from "./diagnostics.js";
import { LineMap, displayWidth } from "./span.js";
import { terminalSafe } from "./terminal-safe.js";

export interface RenderedDiagnostic {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  severity: Diagnostic["severity"];
  code: string;
  message: string;
  help?: string;
}

/**
 * How many diagnostics of one file are shown; the rest are counted. A binary or generated
 * file can hold millions of mistakes: past the first ones they say nothing new.
 */
export const MAX_SHOWN = 50;
/** Source lines longer than this (in characters) are cut to a window around the caret. */
const WINDOW = 120;
/** How much of the window is before the caret. */
const BEFORE = 60;

/** The diagnostics not shown, by severity, when there are more than `limit`. */
export function omitted(diagnostics: readonly Diagnostic[], limit = MAX_SHOWN): { errors: number; warnings: number } | undefined {
  if (diagnostics.length <= limit) return undefined;
  const errors = diagnostics.slice(limit).filter((d) => d.severity === "error").length;
  return { errors, warnings: diagnostics.length - limit - errors };
}

/** Diagnostics as plain JSON objects with positions, for `--json`: the first `limit` of them (see `omitted`). */
export function diagnosticsToJson(file: string, text: string, diagnostics: readonly Diagnostic[], limit = MAX_SHOWN): RenderedDiagnostic[] {
  const lines = new LineMap(text);
  return diagnostics.slice(0, limit).map((d) => {
    const a = lines.position(d.span.start);
    const b = lines.position(d.span.end);
    const r: RenderedDiagnostic = { file, line: a.line, col: a.col, endLine: b.line, endCol: b.col, severity: d.severity, code: d.code, message: d.message };
    if (d.help) r.help = d.help;
    return r;
  });
}

/**
 * `file:line:col: error QB2001: message`, then the source line with a caret under the
 * span, then the help line — the layout compilers users know (rustc, tsc --pretty). At most
 * `limit` diagnostics, then a line counting the others. Made for a terminal: control
 * characters of the source and the messages are shown escaped.
 */
export function renderDiagnostics(file: string, text: string, diagnostics: readonly Diagnostic[], limit = MAX_SHOWN): string {
  const lines = new LineMap(text);
  const out: string[] = [];
  const safe = (s: string): string => terminalSafe(s, { lines: false });
  for (const d of diagnostics.slice(0, limit)) {
    const a = lines.position(d.span.start);
    const b = lines.position(d.span.end);
    out.push(`${safe(file)}:${a.line}:${a.col}: ${d.severity} ${d.code}: ${safe(d.message)}`);
    const gutter = String(a.line);
    const pad = " ".repeat(gutter.length);
    const shown = sourceWindow(text, lines.offset(a.line, 1), d.span.start, b.line === a.line ? d.span.end : Infinity);
    out.push(`${gutter} | ${shown.source}`);
    out.push(`${pad} | ${" ".repeat(shown.caretAt)}${"^".repeat(shown.carets)}`);
    if (d.help) out.push(`${pad} = help: ${safe(d.help)}`);
  }
  const more = omitted(diagnostics, limit);
  if (more) {
    const counts = [more.errors ? part(more.errors, "more error") : "", more.warnings ? part(more.warnings, "more warning") : ""].filter((s) => s);
    out.push(`${safe(file)}: and ${counts.join(" and ")} (only the first ${limit} are shown)`);
  }
  return out.join("\n") + (out.length ? "\n" : "");
}

/**
 * The line starting at `lineStart`, as shown, with where the caret goes under
 * [start, end). A long line is cut to a window around the caret, with `…` where it was cut.
 */
function sourceWindow(text: string, lineStart: number, start: number, end: number): { source: string; caretAt: number; carets: number } {
  let lineEnd = text.indexOf("\n", lineStart);
  if (lineEnd < 0) lineEnd = text.length;
  if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
  let from = lineStart;
  let to = lineEnd;
  if (to - from > WINDOW) {
    from = Math.max(lineStart, Math.min(start, lineEnd) - BEFORE);
    to = Math.min(lineEnd, from + WINDOW);
    from = Math.max(lineStart, to - WINDOW);
    // never cut a surrogate pair in two
    if (from > lineStart && isLowSurrogate(text.charCodeAt(from))) from++;
    if (to < lineEnd && isLowSurrogate(text.charCodeAt(to))) to++;
  }
  const caretStart = Math.min(Math.max(start, from), to);
  const caretEnd = Math.min(Math.max(end, caretStart), to);
  // a tab is one character but the terminal's width for it varies: shown as a space
  const show = (a: number, b: number): string => terminalSafe(text.slice(a, b).replace(/\t/g, " "), { lines: false });
  const head = from > lineStart ? "…" : "";
  const before = head + show(from, caretStart);
  const under = show(caretStart, caretEnd);
  const source = before + under + show(caretEnd, to) + (to < lineEnd ? "…" : "");
  // the caret is placed by what the terminal shows: an emoji or a CJK character is two columns
  return { source, caretAt: displayWidth(before), carets: Math.max(1, displayWidth(under)) };
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function part(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const e = diagnostics.filter((d) => d.severity === "error").length;
  const w = diagnostics.length - e;
  return `${part(e, "error")}, ${part(w, "warning")}`;
}
