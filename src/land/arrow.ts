/**
 * Arrow on the land: a table as one Arrow IPC *file* (`application/vnd.apache.arrow.file`,
 * the format DuckDB, pyarrow and polars read directly), written atomically and read back
 * by reference with its size and SHA-256 checked.
 */
import type { Table, TypeMap } from "apache-arrow";
import { LandPathError } from "./errors.js";
import type { Land } from "./land.js";
import type { ReadRefOptions } from "./read-ref.js";
import type { LandRef } from "./ref.js";

export const ARROW_FILE_MEDIA_TYPE = "application/vnd.apache.arrow.file";

/** Named columns of numbers, one typed array each (all of the same length). */
export type ArrowColumns = Record<
  string,
  | Float64Array<ArrayBufferLike>
  | Float32Array<ArrayBufferLike>
  | Int32Array<ArrayBufferLike>
  | Uint32Array<ArrayBufferLike>
  | Int16Array<ArrayBufferLike>
  | Uint16Array<ArrayBufferLike>
  | Int8Array<ArrayBufferLike>
  | Uint8Array<ArrayBufferLike>
>;

type ArrowModule = typeof import("apache-arrow");
let arrowModule: Promise<ArrowModule> | undefined;

/** apache-arrow, loaded on first use: it takes ~150 ms to load, and most workers never touch it. */
function loadArrow(): Promise<ArrowModule> {
  return (arrowModule ??= import("apache-arrow"));
}

/** The magic bytes an Arrow IPC file begins and ends with. */
const MAGIC = Buffer.from("ARROW1");

function toTable(arrow: ArrowModule, data: Table | ArrowColumns): Table {
  if (data instanceof arrow.Table) return data;
  const names = Object.keys(data);
  if (names.length === 0) throw new TypeError("an Arrow table needs at least one column");
  const length = data[names[0]!]!.length;
  for (const name of names) {
    const col = data[name]!;
    if (!ArrayBuffer.isView(col)) throw new TypeError(`column ${JSON.stringify(name)} is not a typed array`);
    if (col.length !== length) throw new TypeError(`column ${JSON.stringify(name)} has ${col.length} values, not ${length} like ${JSON.stringify(names[0])}`);
  }
  return arrow.makeTable(data) as unknown as Table;
}

/** Writes a table (or named typed-array columns) to `path` as an Arrow IPC file; returns its reference. */
export async function writeArrowTable(land: Land, path: string, data: Table | ArrowColumns): Promise<LandRef> {
  const arrow = await loadArrow();
  const bytes = arrow.tableToIPC(toTable(arrow, data), "file");
  return land.writeFile(path, bytes, { mediaType: ARROW_FILE_MEDIA_TYPE });
}

/** Reads an Arrow IPC file back by reference, checking its media type, size and hash. */
export async function readArrowTable<T extends TypeMap = TypeMap>(land: Land, ref: LandRef, options: ReadRefOptions = {}): Promise<Table<T>> {
  if (ref.mediaType !== ARROW_FILE_MEDIA_TYPE) {
    throw new LandPathError(ref.path, "mismatch", `land file ${JSON.stringify(ref.path)} holds ${ref.mediaType}, not ${ARROW_FILE_MEDIA_TYPE}`);
  }
  let data: Uint8Array = await land.readFile(ref, options);
  if (data.byteLength < 2 * MAGIC.length || !MAGIC.equals(data.subarray(0, MAGIC.length)) || !MAGIC.equals(data.subarray(data.byteLength - MAGIC.length))) {
    throw new LandPathError(ref.path, "mismatch", `land file ${JSON.stringify(ref.path)} is not an Arrow IPC file`);
  }
  // Arrow's buffers are 8-byte aligned within the file: keep them aligned in memory too
  if (data.byteOffset % 8 !== 0) {
    const aligned = new Uint8Array(data.byteLength);
    aligned.set(data);
    data = aligned;
  }
  const arrow = await loadArrow();
  return arrow.tableFromIPC(data) as unknown as Table<T>;
}

/** Writes named Float64Array columns as an Arrow table; returns its reference. */
export function writeFloat64Columns(land: Land, path: string, columns: Record<string, Float64Array>): Promise<LandRef> {
  return writeArrowTable(land, path, columns);
}

/**
 * Reads an Arrow table of float64 columns back as named Float64Arrays (in the table's
 * column order). Refuses a table with a column of any other type, or with nulls.
 */
export async function readFloat64Columns(land: Land, ref: LandRef): Promise<Record<string, Float64Array>> {
  const table = await readArrowTable(land, ref);
  const { DataType, Precision } = await loadArrow();
  const out: Record<string, Float64Array> = {};
  for (const field of table.schema.fields) {
    if (!DataType.isFloat(field.type) || field.type.precision !== Precision.DOUBLE) {
      throw new LandPathError(
        ref.path,
        "mismatch",
        `land file ${JSON.stringify(ref.path)}: column ${JSON.stringify(field.name)} is ${String(field.type)}, not Float64`,
      );
    }
    const column = table.getChild(field.name)!;
    if (column.nullCount > 0)
      throw new LandPathError(
        ref.path,
        "mismatch",
        `land file ${JSON.stringify(ref.path)}: column ${JSON.stringify(field.name)} has ${column.nullCount} nulls`,
      );
    out[field.name] = column.toArray() as Float64Array;
  }
  return out;
}
