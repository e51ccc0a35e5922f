/** DuckDB's own readers (read_csv, read_parquet) for a DuckDB pond: files go in without passing through Node. */
import { TextList, TextStruct } from "../params.js";
import type { Dialect, PondSession, TableSchema } from "../types.js";
import { LakeSourceError } from "../errors.js";
import { csvDelimiter } from "./csv-source.js";
import type { FileKind } from "./source-spec.js";

/** CSV type detection limited to types that are column types here (no TIME, no DECIMAL). */
const CSV_TYPE_CANDIDATES = new TextList(["BOOLEAN", "BIGINT", "DOUBLE", "DATE", "TIMESTAMP", "VARCHAR"]);

export interface FileSelect {
  /** `SELECT ... FROM read_x(?...)`. */
  select: string;
  values: unknown[];
}

function reader(kind: FileKind, files: readonly string[], extra = ""): FileSelect {
  const list = new TextList(files);
  if (kind === "parquet") return { select: `SELECT * FROM read_parquet(?)`, values: [list] };
  // the delimiter given and no rows skipped: left to guess, DuckDB's sniffer reads a file
  // with a ragged row as something else (another delimiter, a later line as the header)
  const delim = files.every((f) => csvDelimiter(f) === "\t") ? "\\t" : ",";
  return {
    select: `SELECT * FROM read_csv(?, header = true, delim = '${delim}', skip = 0, auto_type_candidates = ?${extra})`,
    values: [list, CSV_TYPE_CANDIDATES],
  };
}

/** The files' columns as DuckDB detects them. */
export async function describeFiles(tx: PondSession, dialect: Dialect, kind: FileKind, files: readonly string[]): Promise<TableSchema> {
  const { select, values } = reader(kind, files);
  const rows = await tx.query(`DESCRIBE ${select}`, values);
  return rows.map((r) => ({ name: String(r.column_name), type: dialect.columnType(String(r.column_type)) }));
}

/**
 * A SELECT over CSV files with the detected types, except the columns in `overrides`
 * (bound as a struct of names to types: no name is written into the SQL).
 */
export function selectCsvDetected(dialect: Dialect, files: readonly string[], overrides: TableSchema): FileSelect {
  if (overrides.length === 0) return reader("csv", files);
  const types = new TextStruct(Object.fromEntries(overrides.map((c) => [c.name, dialect.sqlType(c.type, false)])));
  const r = reader("csv", files, ", types = ?");
  return { select: r.select, values: [...r.values, types] };
}

/** A SELECT over the files that gives each column the type in `schema` (which is in file order). */
export function selectFiles(dialect: Dialect, kind: FileKind, files: readonly string[], schema: TableSchema): FileSelect {
  if (kind === "csv") {
    // positional types, in file order
    const r = reader(kind, files, ", types = ?");
    return { select: r.select, values: [...r.values, new TextList(schema.map((c) => dialect.sqlType(c.type, false)))] };
  }
  const r = reader(kind, files);
  const cols = schema.map((c) => `CAST(${dialect.quoteId(c.name)} AS ${dialect.sqlType(c.type, false)}) AS ${dialect.quoteId(c.name)}`);
  return { select: `SELECT ${cols.join(", ")} FROM (${r.select}) AS f`, values: r.values };
}

/** Throws unless DuckDB read the files' columns as their header line names them. */
export function checkCsvColumns(files: readonly string[], header: readonly string[], columns: readonly string[]): void {
  if (header.join("\u0000") === columns.join("\u0000")) return;
  throw new LakeSourceError(
    files.length === 1 ? files[0]! : `${files[0]} (and ${files.length - 1} more)`,
    `DuckDB read its columns as (${columns.join(", ")}), but its header line is (${header.join(", ")}): check the file for rows with another number of fields, or repeated or empty column names`,
  );
}
