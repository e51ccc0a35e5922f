import type { FlowFile } from "./ast.js";
import { check } from "./checker.js";
import { hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { parse } from "./parser.js";
import type { FlowIR, Json } from "../ir/types.js";

export interface CompileOptions {
  /** The file name used in messages and recorded in the IR. */
  file?: string;
  /**
   * Param values: a string is parsed by the param's type as `--param` does; a number,
   * boolean or JSON value is taken as it is when it fits the type (a duration in ms).
   */
  params?: Record<string, Json>;
  /** Report params left without a value (default true). */
  requireParams?: boolean;
}

export interface CompileResult {
  /** Present when there are no errors (warnings allowed). */
  ir?: FlowIR;
  diagnostics: Diagnostic[];
  ast: FlowFile;
}

/** Text → AST → checked IR. Never throws for a mistake in the flow: mistakes are diagnostics. */
export function compile(text: string, options: CompileOptions = {}): CompileResult {
  const { file: ast, diagnostics } = parse(text);
  const report = (d: Diagnostic): void => {
    diagnostics.push(d);
  };
  let ir: FlowIR | undefined;
  if (ast.flow) {
    ir = check(ast.flow, text, { file: options.file ?? "<input>", params: options.params ?? {}, requireParams: options.requireParams ?? true }, report, () =>
      hasErrors(diagnostics),
    );
  }
  const result: CompileResult = { diagnostics: dedupe(sortDiagnostics(diagnostics)), ast };
  if (ir && !hasErrors(diagnostics)) result.ir = ir;
  return result;
}

/** Two passes may notice the same mistake at the same place: say it once. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code}:${d.span.start}:${d.span.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
