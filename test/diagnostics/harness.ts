/**
 * Shared by the diagnostic baseline tests and the docs check: finds the malformed flows
 * under test/diagnostics/, compiles them the way `qb check` does, and renders the result.
 *
 * A flow may start with a comment giving `--param` overrides, e.g. `# params: shards=abc`;
 * entries are separated by spaces, each `name=value` (the value may be empty).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, type CompileResult } from "../../src/dsl/compile.js";
import { DIAGNOSTIC_CODES, type DiagnosticCode } from "../../src/dsl/diagnostics.js";
import { renderDiagnostics } from "../../src/dsl/render.js";

export const BASELINE_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(BASELINE_DIR, "..", "..");
/** How the flows are named in rendered output: relative to the repository, as a user would type it. */
export const DISPLAY_DIR = "test/diagnostics";

/**
 * Codes no baseline shows yet, each with the reason. Keep this list as short as possible:
 * the coverage test fails both when a code is missing from it and when a listed code gains
 * a baseline, so it cannot go stale.
 */
export const NO_BASELINE: Readonly<Record<string, string>> = {
  QB5001: "found by `qb run` when the workers describe themselves, not by the compiler; tested in test/run-pi-digest.test.ts",
  QB5002: "found by `qb run` when the workers describe themselves, not by the compiler; tested in test/run-pi-digest.test.ts",
};

export const UPDATE = process.env["UPDATE_BASELINES"] === "1";

/** Names (without `.flow`) of every baseline flow, sorted. */
export function baselineNames(): string[] {
  return readdirSync(BASELINE_DIR)
    .filter((f) => f.endsWith(".flow"))
    .map((f) => f.slice(0, -".flow".length))
    .sort();
}

/** Names (without `.expected`) of every checked-in expectation, sorted. */
export function expectedNames(): string[] {
  return readdirSync(BASELINE_DIR)
    .filter((f) => f.endsWith(".expected"))
    .map((f) => f.slice(0, -".expected".length))
    .sort();
}

export function flowPath(name: string): string {
  return join(BASELINE_DIR, `${name}.flow`);
}

export function expectedPath(name: string): string {
  return join(BASELINE_DIR, `${name}.expected`);
}

export function displayPath(name: string): string {
  return `${DISPLAY_DIR}/${name}.flow`;
}

const PARAMS_LINE = /^#\s*params:(.*)$/;

/** The `--param` overrides a flow asks for in its first line; throws on a malformed entry. */
export function paramsOf(text: string): Record<string, string> {
  const first = text.split("\n", 1)[0]!.replace(/\r$/, "");
  const m = PARAMS_LINE.exec(first);
  const params: Record<string, string> = {};
  if (!m) return params;
  for (const entry of m[1]!.trim().split(/\s+/).filter((e) => e !== "")) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new Error(`malformed \`# params:\` entry \`${entry}\`: expected name=value`);
    params[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return params;
}

export interface Baseline {
  name: string;
  text: string;
  params: Record<string, string>;
  result: CompileResult;
  /** Exactly what `renderDiagnostics` prints for the flow. */
  rendered: string;
}

export function runBaseline(name: string): Baseline {
  const text = readFileSync(flowPath(name), "utf8");
  const params = paramsOf(text);
  const file = displayPath(name);
  const result = compile(text, { file, params });
  return { name, text, params, result, rendered: renderDiagnostics(file, text, result.diagnostics) };
}

export function readExpected(name: string): string {
  return readFileSync(expectedPath(name), "utf8");
}

/** One rendered diagnostic: its header fields and every line printed for it. */
export interface RenderedBlock {
  line: number;
  col: number;
  severity: "error" | "warning";
  code: string;
  message: string;
  text: string;
}

const HEADER = /^(?<file>\S+\.flow):(?<line>\d+):(?<col>\d+): (?<severity>error|warning) (?<code>QB\d{4}): (?<message>.*)$/;

/** Splits rendered output into one block per diagnostic; throws on text before the first header. */
export function parseRendered(rendered: string): RenderedBlock[] {
  const blocks: RenderedBlock[] = [];
  const lines = rendered.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const line of lines) {
    const m = HEADER.exec(line);
    if (m?.groups) {
      const g = m.groups;
      blocks.push({ line: Number(g["line"]), col: Number(g["col"]), severity: g["severity"] as "error" | "warning", code: g["code"]!, message: g["message"]!, text: line });
    } else {
      const last = blocks[blocks.length - 1];
      if (!last) throw new Error(`rendered output does not start with a diagnostic header: ${JSON.stringify(line)}`);
      last.text += `\n${line}`;
    }
  }
  return blocks;
}

export function isDiagnosticCode(code: string): code is DiagnosticCode {
  return Object.prototype.hasOwnProperty.call(DIAGNOSTIC_CODES, code);
}
