/**
 * Before the first call: every method the flow calls must exist on its worker, and be held
 * exactly where the flow says `hold`. Mismatches point at the flow like compile errors.
 */
import type { FlowIR, Loc } from "../ir/types.js";
import type { DescribeResponseMsg } from "../proto/messages.js";
import { closest } from "../common/suggest.js";

export interface WorkerMismatch {
  code: "QB5001" | "QB5002";
  message: string;
  help?: string;
  loc: Loc;
}

export function checkWorkerMethods(ir: FlowIR, described: ReadonlyMap<string, DescribeResponseMsg>): WorkerMismatch[] {
  const out: WorkerMismatch[] = [];
  for (const step of ir.steps) {
    for (const st of step.stages) {
      if (st.kind !== "call" && st.kind !== "reduce") continue;
      const d = described.get(st.worker);
      if (!d) continue;
      const m = d.methods.find((x) => x.name === st.method);
      if (!m) {
        const served = d.methods.map((x) => x.name).filter((n) => !n.startsWith("qb."));
        const near = closest(st.method, served);
        const mismatch: WorkerMismatch = { code: "QB5001", message: `worker \`${st.worker}\` has no method \`${st.method}\``, loc: st.loc };
        mismatch.help = near ? `did you mean \`${near}\`?` : `it serves ${served.map((n) => `\`${n}\``).join(", ") || "no methods"}`;
        out.push(mismatch);
        continue;
      }
      const hold = st.kind === "call" && st.hold;
      if (hold && !m.held)
        out.push({
          code: "QB5002",
          message: `\`${st.worker}.${st.method}\` is not a held method, but the flow says \`hold\``,
          help: "remove `hold`, or make the method a generator that yields",
          loc: st.loc,
        });
      if (!hold && m.held)
        out.push({
          code: "QB5002",
          message: `\`${st.worker}.${st.method}\` is a held method (it yields and awaits signals)`,
          help: st.kind === "call" ? "add `hold` after the call" : "`reduce` cannot call a held method",
          loc: st.loc,
        });
    }
  }
  return out;
}
