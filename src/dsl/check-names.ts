import type { Flow, Name } from "./ast.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import type { Span } from "./span.js";
import { didYouMean } from "../common/suggest.js";
import type { Binding, CheckContext, StepInfo, WorkerDecl } from "./check-context.js";

/*
 * Names. Params, workers and steps share one namespace: declaring them reports clashes,
 * and resolving a reference reports an unknown name (with a suggestion) or records the use,
 * so that what is never used can be reported at the end.
 */

const VALUE_WORDS = new Map([
  ["item", "the current item in a stage's arguments"],
  ["true", "a value"],
  ["false", "a value"],
  ["null", "a value"],
]);

export interface Declarations {
  declared: Map<string, { what: string; span: Span }>;
  workers: Map<string, WorkerDecl>;
  bindings: Map<string, Binding>;
  /** Steps read by a duplicate binding: it is not checked, but what it reads still counts as read. */
  consumed: Set<string>;
}

export function declareNames(flow: Flow, report: (d: Diagnostic) => void, where: (s: Span) => string): Declarations {
  const declared = new Map<string, { what: string; span: Span }>();
  // `true`, `false` and `null` always mean themselves where a value is read, so a param,
  // worker or step of that name could never be used as one; `item` too, but only a param
  // is read where `item` means the current item (a step or worker is named elsewhere: as a
  // source, or before a method)
  const valueWord = (n: Name, what: string): void => {
    if (n.name === "item" && what !== "a param") return;
    const meaning = VALUE_WORDS.get(n.name);
    if (meaning) report(diagnostic("QB2003", n.span, `\`${n.name}\` cannot name ${what}: it is ${meaning}`, "pick another name"));
  };
  for (const p of flow.params) {
    valueWord(p.name, "a param");
    if (!declared.has(p.name.name)) declared.set(p.name.name, { what: "a param", span: p.name.span });
  }
  const workers = new Map<string, WorkerDecl>();
  const bindings = new Map<string, Binding>();
  const declare = (n: Name, what: string): boolean => {
    valueWord(n, what);
    const prev = declared.get(n.name);
    if (prev) {
      report(diagnostic("QB2003", n.span, `\`${n.name}\` is already defined as ${prev.what} at ${where(prev.span)}`, "pick another name"));
      return false;
    }
    declared.set(n.name, { what, span: n.span });
    return true;
  };
  for (const m of flow.members) {
    if (m.kind === "worker" && declare(m.name, "a worker")) workers.set(m.name.name, m);
    if (m.kind === "binding" && declare(m.name, "a step")) bindings.set(m.name.name, m);
  }
  const consumed = new Set<string>();
  for (const m of flow.members) if (m.kind === "binding" && bindings.get(m.name.name) !== m) for (const r of refsOfBinding(m)) consumed.add(r.name);
  return { declared, workers, bindings, consumed };
}

/** The steps a binding's source reads. */
export function refsOfBinding(b: Binding): Name[] {
  const s = b.source;
  if (s.kind === "ref") return [{ name: s.name, span: s.span }];
  if (s.kind === "call" && (s.callee === "merge" || s.callee === "join" || s.callee === "combine"))
    return s.args.flatMap((a) => (a.name === undefined && a.value.kind === "name" ? [{ name: a.value.name, span: a.value.span }] : []));
  return [];
}

/** A step read by name: what is known of it, or undefined once a mistake was reported (or it had one). */
export function stepRef(cx: CheckContext, n: Name, asSource = false): StepInfo | undefined {
  const b = cx.bindings.get(n.name);
  if (!b && n.name === "item") {
    cx.report(
      diagnostic(
        "QB2004",
        n.span,
        "`item` is not available in a source: a source makes the items",
        "use `item` inside a stage's arguments, e.g. `w.m(x: item)`",
      ),
    );
    return undefined;
  }
  if (!b) {
    reportUnknown(cx, "QB2001", n, "step", (what) =>
      what === "a param" && asSource ? `to make items of a param, write \`[${n.name}]\` or \`range(${n.name})\`` : suggest(cx, n.name, cx.bindings.keys()),
    );
    return undefined;
  }
  cx.consumed.add(n.name);
  if (cx.cycleEdges.has(n.span.start)) return undefined;
  return cx.info.get(n.name);
}

/** Whether a worker of that name is declared (and then it counts as called). */
export function resolveWorker(cx: CheckContext, n: Name): boolean {
  if (cx.workers.has(n.name)) {
    cx.usedWorkers.add(n.name);
    return true;
  }
  reportUnknown(
    cx,
    "QB2002",
    n,
    "worker",
    () => suggest(cx, n.name, cx.workers.keys()) ?? (cx.workers.size ? undefined : `declare it: \`worker ${n.name} { run "..." }\``),
  );
  return false;
}

/** `n` names no `kind`: either it names something else (a param, a worker...) or nothing at all. */
function reportUnknown(cx: CheckContext, code: "QB2001" | "QB2002", n: Name, kind: string, help: (what: string | undefined) => string | undefined): void {
  const what = cx.declared.get(n.name)?.what;
  cx.report(diagnostic(code, n.span, what ? `\`${n.name}\` is ${what}, not a ${kind}` : `unknown ${kind} \`${n.name}\``, help(what)));
}

/** A "did you mean", while the compile's budget for them lasts. */
function suggest(cx: CheckContext, name: string, candidates: Iterable<string>): string | undefined {
  return cx.suggestions.left-- > 0 ? didYouMean(name, candidates) : undefined;
}
