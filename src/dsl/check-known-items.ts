/**
 * Constant lists checked against what reads them: the items of a list source (or a range)
 * are known when the flow compiles, so each expression of the stages after it (a call's
 * arguments, `where`, `map`, `group by`) is evaluated for every item, with the evaluator
 * the run uses, and a missing field, a type mismatch or a division by zero is reported
 * before the run. `where` and `map` pass the known items on; any other stage ends them.
 */
import { diagnostic, type DiagnosticCode } from "./diagnostics.js";
import type { Span } from "./span.js";
import type { CheckContext } from "./check-context.js";
import { evaluate, ExpressionError } from "../ir/evaluate.js";
import type { IRExpr, Json, SourceIR, StageIR } from "../ir/types.js";

/** Beyond this many items a range is not walked: the check must stay quick. */
const MAX_KNOWN = 10_000;

const CODES: Record<ExpressionError["reason"], DiagnosticCode> = { field: "QB3009", type: "QB3001", "division-by-zero": "QB3008" };

/** The items of a source when the compiler knows them. */
export function knownItems(src: SourceIR | undefined): Json[] | undefined {
  if (src?.kind === "list") return src.items.length <= MAX_KNOWN ? src.items : undefined;
  if (src?.kind === "range") return src.count <= MAX_KNOWN ? Array.from({ length: src.count }, (_, i) => i) : undefined;
  return undefined;
}

const KNOWN_HELP = "the items of a constant list or range are known when the flow compiles, and each one reaches this stage";

const preview = (v: Json): string => {
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** Checks one stage against the known items and returns the items after it, or undefined. */
export function checkKnownItems(cx: CheckContext, st: StageIR, span: Span, items: Json[]): Json[] | undefined {
  const expr: IRExpr | null =
    st.kind === "call"
      ? st.options.onError === "skip"
        ? null
        : st.input
      : st.kind === "where"
        ? st.test
        : st.kind === "map"
          ? st.expr
          : st.kind === "group"
            ? st.key
            : null;
  if (expr === null) return undefined;
  const out: Json[] = [];
  for (const item of items) {
    let v: Json;
    try {
      v = evaluate(expr, item);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      cx.report(diagnostic(CODES[err.reason], span, `${err.message}, for the item ${preview(item)}`, KNOWN_HELP));
      return undefined;
    }
    if (st.kind === "where") {
      if (typeof v !== "boolean") {
        cx.report(diagnostic("QB3001", span, `\`where\` needs a bool, got ${preview(v)} for the item ${preview(item)}`, KNOWN_HELP));
        return undefined;
      }
      if (v) out.push(item);
    } else out.push(v);
  }
  return st.kind === "where" || st.kind === "map" ? out : undefined;
}
