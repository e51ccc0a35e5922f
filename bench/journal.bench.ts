/**
 * The journal of finished calls (issue 12), through `runFlow` as `qb run` runs a flow:
 *
 *   journal on vs off: 100,000 no-op calls (`range(n) | w.noop parallel 1024 | last`, two
 *                      replicas), the journal written (every finished call keyed, appended,
 *                      fdatasync'd in batches) against `journal: false`, alternating, best
 *                      of ROUNDS each. Goal: on keeps at least 90% of off's throughput.
 *   resume:            the same flow resumed from a finished run of it: every call's key is
 *                      in the journal, so none is sent. Timed from the call to `runFlow` to
 *                      its end (reading the journal, the pod's start and stop included).
 *                      Best of RESUMES. Goal: under 2 s.
 *
 * Ratios are judged on unrounded figures.
 */
import { join } from "node:path";
import { compile } from "../src/dsl/compile.js";
import type { FlowIR } from "../src/ir/types.js";
import { runFlow, type RunOutcome } from "../src/run/run-flow.js";
import { REPO, load, log, makeTemp, removeTemp, round } from "./workers/harness.js";

const N = 100_000;
const ROUNDS = 5;
const RESUMES = 3;

const FLOW = `flow journal(n: int = 1000) {
  worker w { run "node ${REPO}bench/workers/noop.js" replicas 2 }
  xs = range(n) | w.noop parallel 1024
  x  = xs | last
  emit x
}`;

function ir(): FlowIR {
  const { ir, diagnostics } = compile(FLOW, { file: "journal.flow", params: { n: String(N) } });
  if (!ir) throw new Error(`journal.flow: ${diagnostics.map((d) => d.message).join("; ")}`);
  return ir;
}

function check(outcome: RunOutcome, reused: number): void {
  const xs = outcome.stats.find((s) => s.step === "xs");
  if (xs?.callsDone !== N || xs.callsReused !== reused)
    throw new Error(`journal bench: xs did ${xs?.callsDone} calls, ${xs?.callsReused} reused; expected ${N}, ${reused}`);
}

export default async function journal(): Promise<Record<string, unknown>> {
  const dir = makeTemp("journal");
  const loadBefore = load();
  const t0 = performance.now();
  try {
    const flow = ir();
    const best = { on: Infinity, off: Infinity };
    let finished = "";
    for (let r = 1; r <= ROUNDS; r++) {
      for (const mode of ["off", "on"] as const) {
        const runDir = join(dir, `${mode}-${r}`);
        const outcome = await runFlow(flow, { cwd: dir, runDir, journal: mode === "on" });
        check(outcome, 0);
        best[mode] = Math.min(best[mode], outcome.elapsedMs);
        if (mode === "on") finished = runDir;
      }
      log("journal", `round ${r}/${ROUNDS}: best off ${round(best.off)} ms, on ${round(best.on)} ms`);
    }
    const resumes: number[] = [];
    for (let r = 1; r <= RESUMES; r++) {
      const w0 = performance.now();
      const outcome = await runFlow(flow, { cwd: dir, runDir: join(dir, `resume-${r}`), resume: finished });
      resumes.push(performance.now() - w0);
      check(outcome, N);
    }
    const resumeMs = Math.min(...resumes);
    const kept = best.off / best.on;
    return {
      calls: N,
      off_calls_per_s: round((N * 1000) / best.off),
      on_calls_per_s: round((N * 1000) / best.on),
      on_over_off: round(kept, 3),
      goal_on_over_off: 0.9,
      resume_all_reused_wall_ms: round(resumeMs, 1),
      goal_resume_ms: 2000,
      goal_met: kept >= 0.9 && resumeMs < 2000,
      load_before: loadBefore,
      load_after: load(),
      seconds: round((performance.now() - t0) / 1000),
    };
  } finally {
    removeTemp(dir);
  }
}
