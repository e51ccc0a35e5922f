import type { Name } from "./ast.js";
import { diagnostic } from "./diagnostics.js";
import type { Span } from "./span.js";
import type { StageIR, StepIR } from "../ir/types.js";
import type { Binding, CheckContext } from "./check-context.js";
import { refsOfBinding } from "./check-names.js";
import { checkSource } from "./check-sources.js";
import { checkStage } from "./check-stages.js";
import { checkKnownItems, knownItems } from "./check-known-items.js";

/*
 * Steps, in dependency order: a step is checked after the steps it reads, so their item
 * types are known. A cycle is reported where it closes; only a signal may close a loop.
 */

/**
 * The bindings, each after the ones it reads. Iterative: a chain of thousands of steps
 * must not overflow the stack.
 */
export function dependencyOrder(cx: CheckContext): Binding[] {
  const state = new Map<string, "open" | "done">();
  const sorted: Binding[] = [];
  for (const root of cx.bindings.values()) {
    if (state.has(root.name.name)) continue;
    const stack: Array<{ b: Binding; refs: Name[]; i: number }> = [{ b: root, refs: refsOfBinding(root), i: 0 }];
    state.set(root.name.name, "open");
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const ref = top.refs[top.i++];
      if (!ref) {
        state.set(top.b.name.name, "done");
        sorted.push(top.b);
        stack.pop();
        continue;
      }
      const dep = cx.bindings.get(ref.name);
      if (!dep) continue;
      const st = state.get(ref.name);
      if (st === "open") {
        const from = stack.findIndex((f) => f.b.name.name === ref.name);
        const path = [...stack.slice(from).map((f) => f.b.name.name), ref.name].join(" → ");
        cx.report(
          diagnostic(
            "QB4001",
            ref.span,
            `\`${top.b.name.name}\` reads \`${ref.name}\`, which closes a cycle: ${path}`,
            'a loop must go through a signal: `held <- other as "name"`',
          ),
        );
        cx.cycleEdges.add(ref.span.start);
      } else if (st === undefined) {
        state.set(ref.name, "open");
        stack.push({ b: dep, refs: refsOfBinding(dep), i: 0 });
      }
    }
  }
  return sorted;
}

/** Checks a step's source and stages and records what is known of it; its IR unless it had a mistake. */
export function checkStep(cx: CheckContext, b: Binding): StepIR | undefined {
  const name = b.name.name;
  const src = checkSource(cx, b.source);
  let type = src.out;
  let rounds = src.rounds;
  const stages: StageIR[] = [];
  let heldAt: Span | undefined;
  let ok = src.ir !== undefined && !b.broken;
  // a constant list's items, while the stages keep them known
  let known = src.ir?.kind === "step" ? cx.info.get(src.ir.step)?.known : knownItems(src.ir);
  for (const stage of b.stages) {
    const r = checkStage(cx, stage, type, rounds);
    if (!r) {
      ok = false;
      type = "any";
      known = undefined;
      continue;
    }
    known = known && checkKnownItems(cx, r.ir, stage.span, known);
    if (r.hold) {
      if (heldAt)
        cx.report(
          diagnostic("QB4009", stage.span, `step \`${name}\` already has a held call at ${cx.where(heldAt)}`, "split the step in two: one held call per step"),
        );
      heldAt = stage.span;
    }
    stages.push(r.ir);
    type = r.out;
    rounds = r.rounds;
  }
  const ir: StepIR | undefined = ok && src.ir ? { name, source: src.ir, stages, held: heldAt !== undefined, loc: cx.loc(b.span) } : undefined;
  cx.info.set(name, { ir, out: type, rounds, held: heldAt !== undefined, ...(known ? { known } : {}) });
  return ir;
}
