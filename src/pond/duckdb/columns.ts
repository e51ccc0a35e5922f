/**
 * A DuckDB result read column by column: each chunk's vectors (2,048 rows) copied into one
 * typed array per column, without making a JS value per cell where the type allows.
 */
import { DuckDBTypeId, type DuckDBConnection, type DuckDBType, type DuckDBValue, type DuckDBVector } from "@duckdb/node-api";
import { ARRAYS, ColumnBuilder, type ColumnKind, type ColumnResult, type NumericArray } from "../columns.js";

/** DuckDB's types by the kind of column they fill; any other type becomes text. */
const KINDS = new Map<DuckDBTypeId, ColumnKind>([
  [DuckDBTypeId.DOUBLE, "float64"],
  [DuckDBTypeId.FLOAT, "float32"],
  [DuckDBTypeId.TINYINT, "int8"],
  [DuckDBTypeId.SMALLINT, "int16"],
  [DuckDBTypeId.INTEGER, "int32"],
  [DuckDBTypeId.BIGINT, "int64"],
  [DuckDBTypeId.UTINYINT, "uint8"],
  [DuckDBTypeId.USMALLINT, "uint16"],
  [DuckDBTypeId.UINTEGER, "uint32"],
  [DuckDBTypeId.UBIGINT, "uint64"],
  [DuckDBTypeId.BOOLEAN, "bool"],
  [DuckDBTypeId.DATE, "date"],
  [DuckDBTypeId.TIMESTAMP, "timestamp"],
  [DuckDBTypeId.TIMESTAMP_TZ, "timestamp"],
  // exact decimals as doubles: what a numerical worker computes with anyway
  [DuckDBTypeId.DECIMAL, "float64"],
]);

/**
 * The typed array a vector keeps its values in, when it has one of the kind wanted (the
 * node API's vectors do, as a field it does not declare); otherwise each cell is read as a
 * value (DECIMAL's scaled integers, BOOLEAN, text).
 */
function itemsOf(vector: DuckDBVector, kind: ColumnKind): NumericArray | undefined {
  const items = (vector as unknown as { items?: unknown }).items;
  if (!ArrayBuffer.isView(items)) return undefined;
  // a BOOLEAN vector keeps a DataView, not bytes: it never matches, and is read cell by cell
  const want = kind === "utf8" ? undefined : ARRAYS[kind];
  return want !== undefined && items.constructor === want ? (items as NumericArray) : undefined;
}

/** The vector's validity bits (Arrow's layout), or undefined when every row has a value. */
function validBitsOf(vector: DuckDBVector): Uint8Array | undefined | false {
  const validity = (vector as unknown as { validity?: { data?: unknown } }).validity;
  if (validity === undefined || !("data" in validity)) return false;
  const data = validity.data;
  if (data === null || data === undefined) return undefined;
  return data instanceof BigUint64Array ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : false;
}

/** One cell as the column's kind wants it (the slow path: a JS value per cell). */
function cell(value: DuckDBValue, kind: ColumnKind): number | bigint | string | null {
  if (value === null) return null;
  switch (kind) {
    case "utf8":
      return typeof value === "string" ? value : String(value);
    case "bool":
      return value === true ? 1 : 0;
    case "float64":
    case "float32":
      return typeof value === "number" ? value : Number(String(value));
    case "date":
      return (value as unknown as { days: number }).days;
    case "timestamp":
      return (value as unknown as { micros: bigint }).micros;
    default:
      return value as number | bigint;
  }
}

function kindOf(type: DuckDBType): ColumnKind {
  return KINDS.get(type.typeId) ?? "utf8";
}

/**
 * Runs a query and reads its whole result as columns; `signal` interrupts it in the
 * database. The result is materialized first (DuckDB makes it on all its threads), then its
 * chunks are copied without a wait between them: fetching 2,048 rows at a time from a
 * streaming result cost a round trip through the thread pool per chunk.
 */
export async function readDuckColumns(
  connection: DuckDBConnection,
  sql: string,
  values: DuckDBValue[],
  types: DuckDBType[],
  signal?: AbortSignal,
): Promise<ColumnResult> {
  const result = await connection.run(sql, values, types);
  signal?.throwIfAborted();
  const names = result.columnNames();
  const kinds = result.columnTypes().map(kindOf);
  const builders = names.map((name, i) => new ColumnBuilder(name, kinds[i]!, result.rowCount));
  let rows = 0;
  for (let k = 0; k < result.chunkCount; k++) {
    const chunk = result.getChunk(k);
    const count = chunk.rowCount;
    for (let c = 0; c < builders.length; c++) {
      const vector = chunk.getColumnVector(c);
      const kind = kinds[c]!;
      const b = builders[c]!;
      const items = itemsOf(vector, kind);
      const valid = items ? validBitsOf(vector) : false;
      if (items && valid !== false) b.appendNumbers(items, count, valid);
      else for (let r = 0; r < count; r++) b.push(cell(vector.getItem(r), kind));
    }
    rows += count;
  }
  return { rows, columns: builders.map((b) => b.finish()) };
}
