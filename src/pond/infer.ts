/** Column types inferred from JSON rows or from text (CSV) values, and `--schema col:type,...`. */
import { COLUMN_TYPES, type ColumnType, type Row, type TableSchema } from "./types.js";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The narrowest type that holds both (string holds everything but json). */
export function widen(a: ColumnType | undefined, b: ColumnType | undefined): ColumnType | undefined {
  if (a === undefined) return b;
  if (b === undefined || a === b) return a;
  if ((a === "int" && b === "float") || (a === "float" && b === "int")) return "float";
  if ((a === "date" && b === "timestamp") || (a === "timestamp" && b === "date")) return "timestamp";
  if (a === "json" || b === "json") return "json";
  return "string";
}

/** The type of one JSON value (undefined for null: it fits any column). */
export function jsonValueType(value: unknown): ColumnType | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    case "bigint":
      return "int";
    case "string":
      return DATE.test(value) ? "date" : TIMESTAMP.test(value) ? "timestamp" : "string";
    default:
      return value instanceof Date ? "timestamp" : "json";
  }
}

const BOOL = /^(true|false|t|f)$/i;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** A timestamp as DuckDB's CSV reader detects one: a space or `T`, no zone. */
const PLAIN_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/** The type text of a CSV file can be converted to (undefined for an empty field: NULL); for checking values against a column's type. */
export function textValueType(text: string): ColumnType | undefined {
  if (text === "") return undefined;
  if (INT.test(text)) return "int";
  if (FLOAT.test(text)) return "float";
  if (BOOL.test(text)) return "bool";
  if (DATE.test(text)) return "date";
  if (TIMESTAMP.test(text)) return "timestamp";
  return "string";
}

/** Whether `YYYY-MM-DD` (at the start of text) is a day of the calendar (not 2026-02-30). */
function isCalendarDay(text: string): boolean {
  const [y, m, d] = [Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10))];
  // setUTCFullYear, not Date.UTC: that reads years 0-99 as 1900-1999
  const day = new Date(0);
  day.setUTCFullYear(y, m - 1, d);
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/**
 * The type a column of CSV text is inferred as, deciding as DuckDB's CSV reader does, so
 * that a file gets the same types on either pond: a number with a leading `+` or a leading
 * zero (`007`) stays text, an integer past 64 bits is a float, `t`/`f` are booleans, an
 * impossible date is text, and a timestamp has a space or `T` and no zone (text with a
 * zone stays text). DuckDB's reader settles one date and one timestamp format per file,
 * so other forms (`2026/01/02`, `2026-1-2`) may be typed differently: give the column's
 * type with `--schema` for them.
 */
export function inferTextType(text: string): ColumnType | undefined {
  const kind = textValueType(text);
  switch (kind) {
    case "int":
      if (text.startsWith("+") || /^-?0\d/.test(text)) return "string";
      return BigInt(text) < INT64_MIN || BigInt(text) > INT64_MAX ? "float" : "int";
    case "float":
      return text.startsWith("+") || /^-?0\d/.test(text) ? "string" : "float";
    case "date":
      return isCalendarDay(text) ? "date" : "string";
    case "timestamp":
      return PLAIN_TIMESTAMP.test(text) && isCalendarDay(text) ? "timestamp" : "string";
    default:
      return kind;
  }
}

/** The schema of JSON rows: every key of every row, in order of first appearance. */
export function inferSchema(rows: readonly Row[]): TableSchema {
  const types = new Map<string, ColumnType | undefined>();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) types.set(name, widen(types.get(name), jsonValueType(value)));
  }
  return [...types].map(([name, type]) => ({ name, type: type ?? "string" }));
}

/** Accumulates the types of text columns, row by row. */
export class TextSchemaInference {
  private readonly types: Array<ColumnType | undefined>;
  constructor(readonly names: readonly string[]) {
    this.types = names.map(() => undefined);
  }
  add(record: readonly string[]): void {
    for (let i = 0; i < this.types.length; i++) {
      const text = record[i];
      if (text === undefined) continue;
      const current = this.types[i];
      if (current === "string") continue;
      this.types[i] = widen(current, inferTextType(text));
    }
  }
  schema(): TableSchema {
    return this.names.map((name, i) => ({ name, type: this.types[i] ?? "string" }));
  }
}

/** A JSON value for a text field of a column of this type (empty text is NULL). */
export function fromText(text: string, type: ColumnType): unknown {
  if (text === "") return null;
  switch (type) {
    case "int": {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text; // exact: the driver converts the text
    }
    case "float":
      return Number(text);
    case "bool":
      return /^(true|t)$/i.test(text) ? true : /^(false|f)$/i.test(text) ? false : text;
    case "json":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    default:
      return text;
  }
}

export function isColumnType(word: string): word is ColumnType {
  return (COLUMN_TYPES as readonly string[]).includes(word);
}

/** `id:int,amount:float` → columns; throws with a message naming the bad part. */
export function parseSchemaSpec(spec: string): TableSchema {
  const out: TableSchema = [];
  for (const part of spec
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const colon = part.lastIndexOf(":");
    const name = colon < 0 ? "" : part.slice(0, colon).trim();
    const type =
      colon < 0
        ? ""
        : part
            .slice(colon + 1)
            .trim()
            .toLowerCase();
    if (name === "" || type === "") throw new Error(`bad --schema entry ${JSON.stringify(part)}: expected column:type`);
    const canonical = type === "integer" ? "int" : type === "double" ? "float" : type === "text" ? "string" : type === "boolean" ? "bool" : type;
    if (!isColumnType(canonical))
      throw new Error(`bad --schema entry ${JSON.stringify(part)}: unknown type ${JSON.stringify(type)} (types: ${COLUMN_TYPES.join(", ")})`);
    if (out.some((c) => c.name === name)) throw new Error(`bad --schema: column ${name} given twice`);
    out.push({ name, type: canonical });
  }
  if (out.length === 0) throw new Error("--schema is empty: expected column:type,...");
  return out;
}
