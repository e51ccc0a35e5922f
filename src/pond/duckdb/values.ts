/** DuckDB values → plain JSON: safe integers as numbers (larger ones as exact text), dates and timestamps as text, JSON parsed. */
import { DuckDBTypeId, JsonDuckDBValueConverter, type DuckDBType, type DuckDBValue, type DuckDBValueConverter } from "@duckdb/node-api";
import { normalizeTimestamp } from "../timestamps.js";
import type { JsonValue } from "../types.js";

function bigToJson(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

export const toJsonValue: DuckDBValueConverter<JsonValue> = (value: DuckDBValue, type: DuckDBType, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return typeof value === "bigint" ? bigToJson(value) : (value as number);
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return Number.isFinite(value as number) ? (value as number) : String(value);
    case DuckDBTypeId.DECIMAL:
      return Number(String(value));
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return normalizeTimestamp(String(value));
    default:
      return JsonDuckDBValueConverter(value, type, converter as unknown as Parameters<typeof JsonDuckDBValueConverter>[2]) as JsonValue;
  }
};
