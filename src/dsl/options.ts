import type { Member, StageOption } from "./ast.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { checkExpr, describeType, isConstant, type ExprScope } from "./expressions.js";
import { OPTION_WORDS, optionsAt, type OptionKind } from "./option-words.js";
import type { Span } from "./span.js";
import type { CallOptions } from "../ir/types.js";

export const BUILTIN_DEFAULTS: CallOptions = { parallel: null, timeoutMs: null, retries: 0, backoffMs: 1000, ordered: false, onError: "fail" };

/** The flow-wide defaults (lines like `timeout 10m`) over the built-in ones. */
export function flowDefaults(members: readonly Member[], scope: ExprScope): CallOptions {
  let defaults: CallOptions = { ...BUILTIN_DEFAULTS };
  const seen = new Set<string>();
  for (const m of members) {
    if (m.kind !== "defaults") continue;
    const { given } = checkOptions(m.options, optionsAt("flow"), "as a flow default", scope);
    // checkOptions sees one line; a word set again on a later line is caught here
    for (const o of m.options) {
      const word = OPTION_WORDS[o.kind];
      if (seen.has(word)) scope.report(diagnostic("QB1012", o.span, `flow default \`${word}\` is set twice`, "keep one of the two"));
      seen.add(word);
    }
    defaults = { ...defaults, ...given };
  }
  return defaults;
}

/** Checks a stage's (or the flow's) options; returns the ones given, and whether `hold` was. */
export function checkOptions(
  options: StageOption[],
  allowed: readonly OptionKind[],
  where: string,
  scope: ExprScope,
): { given: Partial<CallOptions>; hold: Span | undefined } {
  const given: Partial<CallOptions> = {};
  const seen = new Set<OptionKind>();
  let hold: Span | undefined;
  const report = (d: Diagnostic): void => scope.report(d);
  for (const o of options) {
    if (seen.has(o.kind)) {
      report(diagnostic("QB1012", o.span, `\`${OPTION_WORDS[o.kind]}\` given twice ${where}`));
      continue;
    }
    seen.add(o.kind);
    if (!allowed.includes(o.kind)) {
      report(
        diagnostic(
          "QB4007",
          o.span,
          `\`${OPTION_WORDS[o.kind]}\` is not valid ${where}`,
          allowed.length ? `valid here: ${allowed.map((k) => `\`${OPTION_WORDS[k]}\``).join(", ")}` : "only worker calls and `reduce` take options",
        ),
      );
      continue;
    }
    switch (o.kind) {
      case "parallel": {
        const n = wholeNumber(o.value, 1, "`parallel`", scope);
        if (n !== undefined) given.parallel = n;
        break;
      }
      case "timeout": {
        const ms = positiveDuration(o.value, "`timeout`", scope);
        if (ms !== undefined) given.timeoutMs = ms;
        break;
      }
      case "retry": {
        const n = wholeNumber(o.count, 0, "`retry`", scope);
        if (n !== undefined) given.retries = n;
        if (o.backoff) {
          const ms = positiveDuration(o.backoff, "`backoff`", scope);
          if (ms !== undefined) given.backoffMs = ms;
        }
        break;
      }
      case "ordered":
        given.ordered = true;
        break;
      case "onError":
        given.onError = o.mode;
        break;
      case "hold":
        hold = o.span;
        break;
    }
  }
  return { given, hold };
}

/** A constant whole number >= min, or undefined after a diagnostic. */
export function wholeNumber(e: Parameters<typeof checkExpr>[0], min: number, what: string, scope: ExprScope): number | undefined {
  const t = checkExpr(e, scope);
  if (t.error) return undefined;
  // option values are checked without an item, so anything left is constant
  if (!isConstant(t)) return undefined;
  const v = t.ir.value;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    scope.report(
      diagnostic(
        "QB3006",
        e.span,
        `${what} needs a whole number ${min === 0 ? "of 0 or more" : `of ${min} or more`}, got ${typeof v === "number" ? String(v) : describeType(t.type)}`,
      ),
    );
    return undefined;
  }
  return v;
}

export function positiveDuration(e: Parameters<typeof checkExpr>[0], what: string, scope: ExprScope): number | undefined {
  const t = checkExpr(e, scope);
  if (t.error) return undefined;
  if (!isConstant(t)) return undefined;
  if (t.type !== "duration") {
    scope.report(
      diagnostic(
        "QB3004",
        e.span,
        `${what} needs a duration, got ${describeType(t.type)}`,
        typeof t.ir.value === "number" ? `write a unit, e.g. \`${t.ir.value}s\`` : "durations look like `500ms`, `30s`, `10m`, `2h`",
      ),
    );
    return undefined;
  }
  const ms = t.ir.value as number;
  if (!(ms > 0)) {
    scope.report(diagnostic("QB3004", e.span, `${what} must be longer than zero`));
    return undefined;
  }
  return ms;
}
