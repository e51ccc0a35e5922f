/**
 * Compile time of a generated 5,000-step flow (and 500 and 50,000 for the trend), against
 * a baseline measured in the same run: scanning alone, the floor any compiler pays.
 */
import { compile } from "../src/dsl/compile.js";
import { format } from "../src/dsl/format.js";
import { scan } from "../src/dsl/scanner.js";
import { bigFlow } from "../test/support/flow-gen.js";

function best(runs: number, f: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

export default async function compileBench(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const steps of [500, 5_000, 50_000]) {
    const text = bigFlow(steps);
    const check = compile(text);
    if (!check.ir || check.ir.steps.length !== steps) throw new Error(`bench flow did not compile: ${check.diagnostics[0]?.message}`);
    const runs = steps > 10_000 ? 3 : 7;
    const cold = (() => {
      const t0 = performance.now();
      compile(text);
      return performance.now() - t0;
    })();
    const compileMs = best(runs, () => compile(text));
    const scanMs = best(runs, () => scan(text));
    const fmtMs = best(runs, () => format(text));
    out[`steps_${steps}`] = {
      bytes: text.length,
      compile_ms: round(compileMs),
      compile_first_ms: round(cold),
      scan_only_ms: round(scanMs),
      compile_over_scan: round(compileMs / scanMs),
      fmt_ms: round(fmtMs),
      steps_per_s: Math.round(steps / (compileMs / 1000)),
    };
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
