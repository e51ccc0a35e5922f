import type { Flow } from "./ast.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { checkExpr, describeType, isConstant } from "./expressions.js";
import { didYouMean } from "../common/suggest.js";
import { DURATION_UNITS, PARAM_TYPES, formatDuration, isNumeric, type Type } from "./types.js";
import type { Json, ParamIR, ParamType } from "../ir/types.js";

/** The static type a param of each declared type has in expressions. */
const STATIC: Record<ParamType, Type> = { int: "int", float: "float", string: "string", bool: "bool", duration: "duration", json: "any" };

/** Parses a `--param name=value` string for a param of the given type; undefined if it does not fit. */
export function parseParamValue(type: ParamType, raw: Json): Json | undefined {
  if (typeof raw !== "string") return typedParamValue(type, raw);
  const s = raw.trim();
  switch (type) {
    case "int":
      return /^[+-]?\d+(_\d+)*$/.test(s) && Number.isSafeInteger(Number(s.replace(/_/g, ""))) ? Number(s.replace(/_/g, "")) : undefined;
    case "float":
      return /^[+-]?(\d+(_\d+)*)(\.\d+)?([eE][+-]?\d+)?$/.test(s) ? Number(s.replace(/_/g, "")) : undefined;
    case "bool":
      return s === "true" ? true : s === "false" ? false : undefined;
    case "string":
      return raw;
    case "duration": {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(s);
      return m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : undefined;
    }
    case "json":
      try {
        return JSON.parse(raw) as Json;
      } catch {
        return undefined;
      }
  }
}

/**
 * A value given as itself (the library's `compile(text, {params})`, not the command line):
 * accepted when it is already of the param's type (a duration as milliseconds).
 */
function typedParamValue(type: ParamType, value: Json): Json | undefined {
  switch (type) {
    case "int":
      return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;
    case "float":
    case "duration":
      return typeof value === "number" && Number.isFinite(value) && (type === "float" || value >= 0) ? value : undefined;
    case "bool":
      return typeof value === "boolean" ? value : undefined;
    case "string":
      return undefined;
    case "json":
      return value;
  }
}

const EXAMPLES: Record<ParamType, string> = { int: "32", float: "0.5", string: "text", bool: "true", duration: "30s", json: '{"a":1}' };

export interface ResolvedParams {
  /** Params by name for expressions (duration values in ms, json as is); undefined when it has none. */
  scope: Map<string, { type: Type; value: Json | undefined }>;
  ir: ParamIR[];
}

/**
 * Gives every param its value: the override from `--param`, else its default. Reports
 * unknown overrides, ill-typed values and params left without a value.
 */
export function resolveParams(flow: Flow, overrides: Record<string, Json>, requireValues: boolean, report: (d: Diagnostic) => void): ResolvedParams {
  const scope = new Map<string, { type: Type; value: Json | undefined }>();
  const ir: ParamIR[] = [];
  const declared = new Set(flow.params.map((p) => p.name.name));
  for (const name of Object.keys(overrides)) {
    if (!declared.has(name)) {
      report(
        diagnostic(
          "QB2006",
          flow.name.span,
          `unknown param \`${name}\` given with --param`,
          didYouMean(name, declared) ??
            (declared.size ? `params are ${[...declared].map((d) => `\`${d}\``).join(", ")}` : `flow \`${flow.name.name}\` takes no params`),
        ),
      );
    }
  }
  for (const [index, p] of flow.params.entries()) {
    const typeName = p.type.name;
    if (!(PARAM_TYPES as readonly string[]).includes(typeName)) {
      report(diagnostic("QB3007", p.type.span, `unknown type \`${typeName}\``, didYouMean(typeName, PARAM_TYPES) ?? `types are ${PARAM_TYPES.join(", ")}`));
      if (!scope.has(p.name.name)) scope.set(p.name.name, { type: "any", value: undefined });
      continue;
    }
    const type = typeName as ParamType;
    if (scope.has(p.name.name)) {
      report(diagnostic("QB2003", p.name.span, `param \`${p.name.name}\` is declared twice`));
      continue;
    }
    let value: Json | undefined;
    let from: ParamIR["from"] = "default";
    // the default is checked even when overridden: a wrong default is a bug in the flow
    if (p.default) {
      const later = new Map(
        flow.params
          .slice(index)
          .map((q) => [q.name.name, q === p ? "this param itself" : "a param declared after this one (a default may use only earlier params)"] as const),
      );
      const t = checkExpr(p.default, { params: scope, item: { missing: "in a param's default" }, others: later, report });
      // a default is checked without an item, so it is constant unless a mistake was reported
      if (!isConstant(t)) {
        value = undefined;
      } else if (!fits(type, t.type)) {
        report(
          diagnostic(
            "QB3002",
            p.default.span,
            `param \`${p.name.name}\` is ${type} but its default is ${describeType(t.type)}`,
            type === "duration" && isNumeric(t.type) ? `write a unit, e.g. \`${t.ir.value}s\`` : undefined,
          ),
        );
      } else {
        value = t.ir.value;
      }
    }
    // own keys only: a param named `constructor` has no override unless one was given
    const raw = Object.hasOwn(overrides, p.name.name) ? overrides[p.name.name] : undefined;
    if (raw !== undefined) {
      const parsed = parseParamValue(type, raw);
      if (parsed === undefined) {
        const shown = typeof raw === "string" ? raw : JSON.stringify(raw);
        report(
          diagnostic("QB3003", p.name.span, `--param ${p.name.name}=${shown}: not a valid ${type}`, `for example --param ${p.name.name}=${EXAMPLES[type]}`),
        );
        value = undefined;
      } else {
        value = parsed;
        from = "override";
      }
    } else if (!p.default && requireValues) {
      report(
        diagnostic(
          "QB2007",
          p.name.span,
          `param \`${p.name.name}\` has no value`,
          `give it a default (\`${p.name.name}: ${type} = ...\`) or pass --param ${p.name.name}=${EXAMPLES[type]}`,
        ),
      );
    }
    scope.set(p.name.name, { type: STATIC[type], value });
    if (value !== undefined) ir.push({ name: p.name.name, type, value, from });
  }
  return { scope, ir };
}

function fits(declared: ParamType, actual: Type): boolean {
  switch (declared) {
    case "int":
      return actual === "int";
    case "float":
      return isNumeric(actual);
    case "string":
      return actual === "string";
    case "bool":
      return actual === "bool";
    case "duration":
      return actual === "duration";
    case "json":
      return true;
  }
}

export { formatDuration };
