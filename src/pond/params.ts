/**
 * Binding parameters. The DSL writes `:name` in SQL with an object of values; drivers
 * take `?` placeholders with an array. `:name` is found with the DSL's own
 * `sqlParameters` (which skips quoted strings, quoted identifiers, comments and `::`
 * casts), so what the flow checker calls a parameter is exactly what gets bound.
 */
import { sqlParameters } from "../sql/scanner.js";
import type { Params } from "./types.js";

export interface BoundSql {
  sql: string;
  values: unknown[];
}

/** Where each `:name` parameter of `sql` starts, in order. */
export function namedParameterSpans(sql: string): Array<{ start: number; end: number; name: string }> {
  const spans: Array<{ start: number; end: number; name: string }> = [];
  let probe = "qb_probe";
  while (sql.includes(probe)) probe += "_";
  const candidate = /:([A-Za-z_][A-Za-z0-9_]*)/g;
  for (let m = candidate.exec(sql); m !== null; m = candidate.exec(sql)) {
    // a `:name` here is a parameter when the DSL's scanner, reading up to this point,
    // would take a parameter written at this point as one (not inside a string,
    // comment or cast)
    if (sqlParameters(sql.slice(0, m.index) + ":" + probe).includes(probe)) {
      spans.push({ start: m.index, end: m.index + m[0].length, name: m[1]! });
    }
  }
  return spans;
}

export class ParamBindError extends Error {}

/**
 * Rewrites `:name` parameters into `?` placeholders and lists their values in order
 * (a name used twice is bound twice). An array of values is for SQL already written
 * with `?`. Every named parameter needs a value and every value a parameter.
 */
export function bindParams(sql: string, params: Params | undefined): BoundSql {
  const spans = namedParameterSpans(sql);
  if (params === undefined || Array.isArray(params)) {
    if (spans.length > 0) {
      const names = [...new Set(spans.map((s) => ":" + s.name))].join(", ");
      throw new ParamBindError(
        `the SQL has named parameters (${names}) but ${params === undefined ? "no values were given" : "the values were given as a list"}; pass an object such as {${spans[0]!.name}: ...}`,
      );
    }
    return { sql, values: [...((params as readonly unknown[] | undefined) ?? [])].map(encodeParam) };
  }
  const named = params as Readonly<Record<string, unknown>>;
  const used = new Set(spans.map((s) => s.name));
  const missing = [...used].filter((n) => !Object.prototype.hasOwnProperty.call(named, n));
  if (missing.length > 0) throw new ParamBindError(`no value for parameter${missing.length > 1 ? "s" : ""} ${missing.map((n) => ":" + n).join(", ")}`);
  const unused = Object.keys(named).filter((n) => !used.has(n));
  if (unused.length > 0)
    throw new ParamBindError(`value${unused.length > 1 ? "s" : ""} given for ${unused.map((n) => ":" + n).join(", ")}, which the SQL does not use`);
  let out = "";
  let at = 0;
  const values: unknown[] = [];
  for (const span of spans) {
    out += sql.slice(at, span.start) + "?";
    values.push(encodeParam(named[span.name]));
    at = span.end;
  }
  return { sql: out + sql.slice(at), values };
}

/**
 * A list of strings bound as one SQL list value (DuckDB's `read_csv($1)` over several
 * files); plain arrays are bound as JSON text.
 */
export class TextList {
  constructor(readonly items: readonly string[]) {}
}

/** Text values by name bound as one SQL struct value (DuckDB's `read_csv(types = $1)`). */
export class TextStruct {
  constructor(readonly entries: Readonly<Record<string, string>>) {}
}

/** A JS value as a driver takes it: objects and arrays as JSON text, dates as ISO text. */
export function encodeParam(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof TextList || value instanceof TextStruct) return value;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) return JSON.stringify(value);
  return value;
}
