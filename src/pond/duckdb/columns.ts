/**
 * A DuckDB result read column by column: each chunk's vectors (2,048 rows) copied into one
 * typed array per column, without making a JS value per cell where the type allows.
 */
import { DuckDBTypeId, DuckDBVector, type DuckDBConnection, type DuckDBType, type DuckDBValue } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";
import { ARRAYS, ColumnBuilder, type ColumnKind, type ColumnResult, type NumericArray } from "../columns.js";
import { CHUNKS_PER_COLLECTION, releaseChunks } from "./release-chunks.js";

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

/** Bytes per row of the types whose vectors are copied as they are (each one of KINDS' numeric kinds): DuckDB lays them out as Arrow does. */
const WIDTHS = new Map<DuckDBTypeId, number>([
  [DuckDBTypeId.DOUBLE, 8],
  [DuckDBTypeId.FLOAT, 4],
  [DuckDBTypeId.TINYINT, 1],
  [DuckDBTypeId.SMALLINT, 2],
  [DuckDBTypeId.INTEGER, 4],
  [DuckDBTypeId.BIGINT, 8],
  [DuckDBTypeId.UTINYINT, 1],
  [DuckDBTypeId.USMALLINT, 2],
  [DuckDBTypeId.UINTEGER, 4],
  [DuckDBTypeId.UBIGINT, 8],
  // one byte, 0 or 1: the builder's bool
  [DuckDBTypeId.BOOLEAN, 1],
  [DuckDBTypeId.DATE, 4],
  [DuckDBTypeId.TIMESTAMP, 8],
  [DuckDBTypeId.TIMESTAMP_TZ, 8],
]);

/** DuckDB's `string_t`: 16 bytes, the length first; up to 12 bytes inline, else a pointer at byte 8. */
const STRING_T = 16;
const INLINE = 12;

/** The vector's validity bits (Arrow's layout: DuckDB keeps them as little-endian 64-bit words), or undefined when no row is NULL. */
function validBits(vector: duckdb.Vector, count: number): Uint8Array | undefined {
  return duckdb.vector_get_validity(vector, Math.ceil(count / 64) * 8) ?? undefined;
}

/** A fixed-width vector's values as the kind's typed array (a copy DuckDB's bindings make). */
function numbersOf(vector: duckdb.Vector, kind: Exclude<ColumnKind, "utf8">, width: number, count: number): NumericArray {
  let bytes = duckdb.vector_get_data(vector, count * width);
  // a typed array must start at a multiple of its element size
  if (bytes.byteOffset % width !== 0) bytes = bytes.slice();
  const View = ARRAYS[kind] as unknown as new (buffer: ArrayBuffer, byteOffset: number, length: number) => NumericArray;
  return new View(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
}

/** A VARCHAR vector's strings as UTF-8 bytes, straight from its `string_t`s (no JS string per cell). */
function appendText(b: ColumnBuilder, vector: duckdb.Vector, count: number): void {
  const data = duckdb.vector_get_data(vector, count * STRING_T);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const valid = validBits(vector, count);
  for (let r = 0; r < count; r++) {
    if (valid && !((valid[r >> 3]! >> (r & 7)) & 1)) {
      b.pushNull();
      continue;
    }
    const at = r * STRING_T;
    const length = view.getUint32(at, true);
    if (length <= INLINE) b.pushBytes(data, at + 4, length);
    else b.pushBytes(duckdb.get_data_from_pointer(data.buffer as ArrayBuffer, data.byteOffset + at + 8, length));
  }
}

/**
 * One cell of a type without a fixed-width copy (the slow path: a JS value per cell): a
 * DECIMAL as a double, any other type (LIST, ENUM, INTERVAL, ...) as its text.
 */
function cell(value: DuckDBValue, kind: ColumnKind): number | string | null {
  if (value === null) return null;
  if (kind === "utf8") return typeof value === "string" ? value : String(value);
  return typeof value === "number" ? value : Number(String(value));
}

function kindOf(type: DuckDBType): ColumnKind {
  return KINDS.get(type.typeId) ?? "utf8";
}

/**
 * Runs a query and reads its whole result as columns; `signal` interrupts it in the
 * database. The result is materialized first (DuckDB makes it on all its threads, and its
 * row count sizes every column at once: growing them by doubling cost more than the
 * copy), then its chunks are fetched through DuckDB's own bindings: the node API's chunk
 * and vector objects cost more than the copy (~0.5 ms per chunk of six columns), and
 * reading a materialized result's chunks by index copies each chunk once more.
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
  const raw = (result as unknown as { result: duckdb.Result }).result;
  const names = result.columnNames();
  const columnTypes = result.columnTypes();
  const kinds = columnTypes.map(kindOf);
  const widths = columnTypes.map((t) => WIDTHS.get(t.typeId));
  const builders = names.map((name, i) => new ColumnBuilder(name, kinds[i]!, result.rowCount));
  let rows = 0;
  let chunks = 0;
  // the next chunk is fetched on DuckDB's side while this one is copied here (a third less time)
  let fetching = duckdb.fetch_chunk(raw);
  try {
    for (;;) {
      const chunk = await fetching;
      const count = chunk === null ? 0 : duckdb.data_chunk_get_size(chunk);
      if (chunk === null || count === 0) break;
      fetching = duckdb.fetch_chunk(raw);
      for (let c = 0; c < builders.length; c++) {
        const vector = duckdb.data_chunk_get_vector(chunk, c);
        const kind = kinds[c]!;
        const width = widths[c];
        const b = builders[c]!;
        if (width !== undefined && kind !== "utf8") b.appendNumbers(numbersOf(vector, kind, width, count), count, validBits(vector, count));
        else if (columnTypes[c]!.typeId === DuckDBTypeId.VARCHAR) appendText(b, vector, count);
        else {
          const v = DuckDBVector.create(vector, count, columnTypes[c]);
          for (let r = 0; r < count; r++) b.push(cell(v.getItem(r), kind));
        }
      }
      rows += count;
      // what this chunk holds is copied: its memory goes back to DuckDB for the next ones
      if (++chunks % CHUNKS_PER_COLLECTION === 0) releaseChunks();
      signal?.throwIfAborted();
    }
  } finally {
    // a read given up midway (aborted, a column too big) leaves one fetch nobody waits for
    fetching.catch(() => undefined);
  }
  return { rows, columns: builders.map((b) => b.finish()) };
}
