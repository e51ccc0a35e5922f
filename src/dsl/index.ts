/** The compiler: flow text → AST → checked IR, with diagnostics, the formatter and the graph. Pure: no I/O. */
export { compile, type CompileOptions, type CompileResult } from "./compile.js";
export { format, type FormatResult } from "./format.js";
export { toGraph, toDot, toMermaid, type GraphFormat } from "./graph.js";
export { renderDiagnostics, diagnosticsToJson, summary, type RenderedDiagnostic } from "./render.js";
export { DIAGNOSTIC_CODES, hasErrors, type Diagnostic, type DiagnosticCode, type Severity } from "./diagnostics.js";
export { parse } from "./parser.js";
export type { Span } from "./span.js";
