import type { Diagnostic } from "./diagnostics.js";
import { LineMap, displayWidth } from "./span.js";

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

/** Diagnostics as plain JSON objects with positions, for `--json`. */
export function diagnosticsToJson(file: string, text: string, diagnostics: readonly Diagnostic[]): RenderedDiagnostic[] {
  const lines = new LineMap(text);
  return diagnostics.map((d) => {
    const a = lines.position(d.span.start);
    const b = lines.position(d.span.end);
    const r: RenderedDiagnostic = { file, line: a.line, col: a.col, endLine: b.line, endCol: b.col, severity: d.severity, code: d.code, message: d.message };
    if (d.help) r.help = d.help;
    return r;
  });
}

/**
 * `file:line:col: error QB2001: message`, then the source line with a caret under the
 * span, then the help line — the layout compilers users know (rustc, tsc --pretty).
 */
export function renderDiagnostics(file: string, text: string, diagnostics: readonly Diagnostic[]): string {
  const lines = new LineMap(text);
  const out: string[] = [];
  for (const d of diagnostics) {
    const a = lines.position(d.span.start);
    const b = lines.position(d.span.end);
    out.push(`${file}:${a.line}:${a.col}: ${d.severity} ${d.code}: ${d.message}`);
    const src = lines.lineText(a.line).replace(/\t/g, " ");
    const gutter = String(a.line);
    const pad = " ".repeat(gutter.length);
    out.push(`${gutter} | ${src}`);
    // the caret is placed by what the terminal shows: an emoji or a CJK character is two columns
    const chars = [...src];
    const before = chars.slice(0, a.col - 1).join("");
    const under = b.line === a.line ? chars.slice(a.col - 1, b.col - 1).join("") : chars.slice(a.col - 1).join("");
    out.push(`${pad} | ${" ".repeat(displayWidth(before))}${"^".repeat(Math.max(1, displayWidth(under)))}`);
    if (d.help) out.push(`${pad} = help: ${d.help}`);
  }
  return out.join("\n") + (out.length ? "\n" : "");
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const e = diagnostics.filter((d) => d.severity === "error").length;
  const w = diagnostics.length - e;
  const part = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${part(e, "error")}, ${part(w, "warning")}`;
}
