/** The steps' static facts the page needs, from the IR: lines, workers, and how many calls to expect. */
import type { FlowIR, StepIR } from "../../ir/types.js";
import type { StepInfo } from "./view-types.js";

function planned(step: StepIR): { planned: number | null; perItemOf: string | null } {
  const first = step.stages[0];
  if (first?.kind !== "call") return { planned: null, perItemOf: null };
  // one call per item of the source
  if (step.source.kind === "range") return { planned: step.source.count, perItemOf: null };
  if (step.source.kind === "list") return { planned: step.source.items.length, perItemOf: null };
  if (step.source.kind === "step") return { planned: null, perItemOf: step.source.step };
  return { planned: null, perItemOf: null };
}

export function stepInfos(ir: FlowIR): StepInfo[] {
  return ir.steps.map((s) => {
    const stageLines: Record<string, number> = {};
    const workers: string[] = [];
    for (const st of s.stages) {
      if (st.kind !== "call" && st.kind !== "reduce") continue;
      stageLines[`${st.worker}.${st.method}`] ??= st.loc.line;
      if (!workers.includes(st.worker)) workers.push(st.worker);
    }
    return { name: s.name, line: s.loc.line, held: s.held, workers, stageLines, ...planned(s) };
  });
}
