/**
 * The last line of `qb run --json` when the run did not produce a result: whatever went
 * wrong, a program reading the stream learns it from stdout, with the fields it needs
 * rather than only a sentence.
 */
import type { Diagnostic } from "../dsl/diagnostics.js";
import { diagnosticsToJson, omitted, summary } from "../dsl/render.js";
import { CallFailedError } from "../runtime/errors.js";

export function writeJsonLine(value: object): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}

/** The flow (or its --params, or the workers it calls) has mistakes: nothing ran. */
export function diagnosticsError(file: string, text: string, diagnostics: readonly Diagnostic[], runId?: string): object {
  const more = omitted(diagnostics);
  return {
    type: "error",
    ...(runId ? { runId } : {}),
    error: `${file}: ${summary(diagnostics)}`,
    diagnostics: diagnosticsToJson(file, text, diagnostics),
    ...(more ? { omitted: [{ file, ...more }] } : {}),
  };
}

/** The run failed: for a failed call, its coordinates and the flow's line and column. */
export function runError(err: unknown, file: string, runId: string, runDir: string): object {
  const line: Record<string, unknown> = { type: "error", runId, runDir, error: err instanceof Error ? err.message : String(err) };
  if (err instanceof CallFailedError) {
    const { loc, ...call } = err.call;
    line.call = { ...call, ...(loc ? { file, line: loc.line, col: loc.col } : {}) };
  }
  return line;
}
