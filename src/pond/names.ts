/** Table and column names: checked and quoted, never spliced raw. */
import { PondSchemaError } from "./errors.js";
import type { Dialect } from "./types.js";

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Throws unless `table` is a plain name (`sales`) or schema-qualified (`lake.sales`). */
export function checkTableName(table: string, pond?: string): void {
  const parts = table.split(".");
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) {
    throw new PondSchemaError(
      `bad table name ${JSON.stringify(table)}${pond ? ` for pond ${pond}` : ""}: use letters, digits and _ (optionally schema.table)`,
      { pond, table },
    );
  }
}

/** The quoted (possibly schema-qualified) table name. */
export function quoteTable(dialect: Dialect, table: string, pond?: string): string {
  checkTableName(table, pond);
  return table
    .split(".")
    .map((p) => dialect.quoteId(p))
    .join(".");
}

/** Throws unless `name` is a usable column name (not empty, no NUL). */
export function checkColumnName(name: string, table: string, pond?: string): void {
  if (name === "" || name.includes("\0") || name.length > 64) {
    throw new PondSchemaError(`bad column name ${JSON.stringify(name)} for table ${table}${pond ? ` of pond ${pond}` : ""}`, { pond, table });
  }
}
