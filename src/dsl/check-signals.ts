import type { Member } from "./ast.js";
import { sourceSteps } from "../ir/source-steps.js";
import { diagnostic } from "./diagnostics.js";
import { constString } from "./expressions.js";
import type { Span } from "./span.js";
import type { SignalIR } from "../ir/types.js";
import type { CheckContext, StepInfo } from "./check-context.js";
import { stepRef } from "./check-names.js";

/*
 * Signals, `held <- from as "name"`: the one way a loop may close. They are checked after
 * every step, since a signal may send back to a step that comes earlier.
 */

export function checkSignals(cx: CheckContext, members: readonly Member[]): SignalIR[] {
  const signals: SignalIR[] = [];
  const signalKeys = new Map<string, Span>();
  for (const m of members) {
    if (m.kind !== "signal") continue;
    // the target is not read as a dependency: signals are the one way a loop may close
    let target: StepInfo | undefined;
    if (cx.bindings.has(m.target.name)) target = cx.info.get(m.target.name);
    else stepRef(cx, m.target); // reports the unknown name
    const from = stepRef(cx, m.from);
    let name: string | undefined;
    if (m.signal.kind === "name") {
      cx.report(diagnostic("QB3001", m.signal.span, "a signal name is a string", `write \`as "${m.signal.name}"\``));
    } else {
      name = constString(m.signal, "a signal name", cx.constScope);
    }
    if (target) {
      if (!target.held) {
        cx.report(
          diagnostic(
            "QB4003",
            m.target.span,
            `\`${m.target.name}\` has no held call to receive signal ${name === undefined ? "" : `"${name}"`}`.trimEnd(),
            "mark the worker call that awaits signals with `hold`",
          ),
        );
      }
    }
    if (name !== undefined) {
      // several steps may send the same signal; the same pair twice would send every item twice
      const key = `${m.target.name}\u0000${m.from.name}\u0000${name}`;
      const prev = signalKeys.get(key);
      if (prev)
        cx.report(
          diagnostic(
            "QB4010",
            m.span,
            `\`${m.from.name}\` already sends signal "${name}" to \`${m.target.name}\` at ${cx.where(prev)}`,
            "remove one of the two lines",
          ),
        );
      signalKeys.set(key, m.span);
    }
    if (target?.held && from && name !== undefined) {
      // a signal closes a loop: it must come from the held step's own outputs, or the
      // rounds it answers could never be told apart from the values it sends
      if (readsFrom(cx.info, m.from.name, m.target.name) === false) {
        cx.report(
          diagnostic(
            "QB4016",
            m.from.span,
            `\`${m.from.name}\` does not read \`${m.target.name}\`, so its signal "${name}" cannot answer the rounds of \`${m.target.name}\``,
            `send a step made from \`${m.target.name}\`'s outputs (a merge may add starting values: \`merge(init, next)\`); give other data to the held call as its input`,
          ),
        );
      }
      signals.push({ step: m.target.name, from: m.from.name, name, loc: cx.loc(m.span) });
    }
  }
  return signals;
}

/** Whether step `from` reads step `to`, directly or not; undefined when a step on the way had mistakes. */
function readsFrom(info: CheckContext["info"], from: string, to: string): boolean | undefined {
  const seen = new Set<string>();
  const stack = [from];
  let unknown = false;
  while (stack.length) {
    const s = stack.pop()!;
    if (s === to) return true;
    if (seen.has(s)) continue;
    seen.add(s);
    const src = info.get(s)?.ir?.source;
    if (!src) unknown = true;
    else stack.push(...sourceSteps(src));
  }
  return unknown ? undefined : false;
}
