/** MySQL-wire SQL (SingleStore/MemSQL, MariaDB, MySQL) where it differs from DuckDB's. */
import type { ColumnType, Dialect } from "../types.js";

const SQL_TYPES: Record<ColumnType, string> = {
  int: "BIGINT",
  float: "DOUBLE",
  // binary collation: strings compare exactly, as on DuckDB (MySQL's default collations ignore case)
  string: "TEXT COLLATE utf8mb4_bin",
  bool: "BOOLEAN",
  date: "DATE",
  timestamp: "DATETIME(6)",
  json: "JSON",
};

/** A MySQL type name (information_schema's data_type, or a column type) → a column type. */
export function mysqlColumnType(sqlType: string): ColumnType {
  const t = sqlType.toLowerCase();
  if (t === "tinyint(1)" || t === "boolean" || t === "bool") return "bool";
  if (/^(tiny|small|medium|big)?int/.test(t) || t === "integer" || t.startsWith("year")) return "int";
  if (/^(double|float|real|decimal|numeric)/.test(t)) return "float";
  if (t === "date") return "date";
  if (t.startsWith("datetime") || t.startsWith("timestamp")) return "timestamp";
  if (t === "json") return "json";
  return "string";
}

export const mysqlDialect: Dialect = {
  name: "mysql",
  quoteId: (name) => "`" + name.replace(/`/g, "``") + "`",
  // a key column needs a bounded string
  sqlType: (type, key) => (key && type === "string" ? "VARCHAR(255) COLLATE utf8mb4_bin" : SQL_TYPES[type]),
  columnType: mysqlColumnType,
  // compared as bytes, so that a change of case is a change whatever the column's collation
  isDistinct: (a, b) => `(NOT (BINARY ${a} <=> BINARY ${b}))`,
  rowHash: (exprs) => `MD5(CONCAT_WS(CHAR(31), ${exprs.map((e) => `COALESCE(CAST(${e} AS CHAR), CHAR(0))`).join(", ")}))`,
  sumHash: (hash) => `CAST(SUM(CAST(CONV(SUBSTRING(${hash}, 1, 15), 16, 10) AS UNSIGNED)) AS CHAR)`,
  checksumName: "md5-60",
  updateFrom: (target, stage, keys, cols, where) =>
    `UPDATE ${target} JOIN ${stage} AS s ON ${keys.map((k) => `${target}.${k} = s.${k}`).join(" AND ")} SET ${cols.map((c) => `${target}.${c} = s.${c}`).join(", ")} WHERE ${where}`,
  maxParams: 60000,
};
