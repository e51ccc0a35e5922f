/**
 * Columns of a query's result as one Arrow IPC file on the land, and back: how a pond
 * result reaches a worker as typed arrays (`ctx.pond.columns`) instead of JSON rows. Each
 * column is one typed array; the file holds one record batch whose buffers are those arrays,
 * so a reader maps them without a copy.
 */
import type { DataType, Data } from "apache-arrow";
import { readArrowTable, ARROW_FILE_MEDIA_TYPE } from "./arrow.js";
import type { Land } from "./land.js";
import type { ReadRefOptions } from "./read-ref.js";
import type { LandRef } from "./ref.js";
import { isText } from "./text-values.js";

/** The kinds of column a result holds, named as Arrow names them. */
export type ColumnKind =
  | "float64"
  | "float32"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  /** One byte per row, 0 or 1 (Arrow's Bool, bit-packed in the file). */
  | "bool"
  /** Days since 1970-01-01 (Int32Array; Arrow's Date32). */
  | "date"
  /** Microseconds since 1970-01-01 UTC (BigInt64Array; Arrow's Timestamp(MICROSECOND)). */
  | "timestamp"
  | "utf8";

export type NumericArray =
  Float64Array | Float32Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** A text column as Arrow keeps it: row i is the UTF-8 bytes data[offsets[i] .. offsets[i + 1]). */
export interface TextValues {
  offsets: Int32Array;
  data: Uint8Array;
}

export interface ResultColumn {
  name: string;
  kind: ColumnKind;
  /** A typed array, one value per row (0 where the row is NULL); text as offsets and UTF-8 bytes ("" where NULL). */
  values: NumericArray | TextValues;
  /** Which rows have a value, one bit each as Arrow keeps them (bit i of byte i>>3, low bit first); absent when none is NULL. */
  valid?: Uint8Array;
  nullCount: number;
}

export interface ColumnResult {
  rows: number;
  columns: ResultColumn[];
}

/** What `ctx.pond.columns` gives a method: the result's columns by name, in the query's order. */
export interface PondColumns {
  rows: number;
  /** One array per column: a typed array for numbers, bools (0/1), dates and timestamps; strings (null where NULL) for text. */
  columns: Record<string, NumericArray | Array<string | null>>;
  kinds: Record<string, ColumnKind>;
  /** For each column that has NULLs, which rows have a value (Arrow's bitmap: bit i of byte i>>3). Numbers are 0 where NULL. */
  valid: Record<string, Uint8Array>;
  /** The Arrow file the result came in, on the land. */
  file: LandRef;
}

type Arrow = typeof import("apache-arrow");

function arrowType(arrow: Arrow, kind: ColumnKind): DataType {
  switch (kind) {
    case "float64":
      return new arrow.Float64();
    case "float32":
      return new arrow.Float32();
    case "int8":
      return new arrow.Int8();
    case "int16":
      return new arrow.Int16();
    case "int32":
      return new arrow.Int32();
    case "int64":
      return new arrow.Int64();
    case "uint8":
      return new arrow.Uint8();
    case "uint16":
      return new arrow.Uint16();
    case "uint32":
      return new arrow.Uint32();
    case "uint64":
      return new arrow.Uint64();
    case "bool":
      return new arrow.Bool();
    case "date":
      return new arrow.DateDay();
    case "timestamp":
      return new arrow.TimestampMicrosecond();
    case "utf8":
      return new arrow.Utf8();
  }
}

/** One byte per row (0/1) as Arrow's bit-packed booleans. */
function packBits(bytes: Uint8Array, rows: number): Uint8Array {
  const bits = new Uint8Array((rows + 7) >> 3);
  for (let i = 0; i < rows; i++) if (bytes[i]) bits[i >> 3]! |= 1 << (i & 7);
  return bits;
}

function columnData(arrow: Arrow, column: ResultColumn, rows: number): Data {
  const type = arrowType(arrow, column.kind);
  const nulls = column.nullCount > 0 && column.valid ? { nullCount: column.nullCount, nullBitmap: column.valid } : { nullCount: 0 };
  const length = isText(column.values) ? column.values.offsets.length - 1 : column.values.length;
  if (length !== rows) throw new RangeError(`column ${JSON.stringify(column.name)} has ${length} values, not ${rows}`);
  if (isText(column.values)) {
    const { offsets, data } = column.values;
    return arrow.makeData({ type: type as InstanceType<Arrow["Utf8"]>, length: rows, ...nulls, valueOffsets: offsets, data });
  }
  const data = column.kind === "bool" ? packBits(column.values as Uint8Array, rows) : column.values;
  return arrow.makeData({ type, length: rows, ...nulls, data } as unknown as Parameters<Arrow["makeData"]>[0]) as Data;
}

/**
 * A result's columns as one Arrow IPC file (one record batch), in the pieces apache-arrow
 * writes: the columns' own arrays among them, not copied into one buffer.
 */
export async function columnsToArrowPieces(result: ColumnResult): Promise<Uint8Array[]> {
  const seen = new Set<string>();
  for (const c of result.columns) {
    if (seen.has(c.name)) throw new RangeError(`two columns are named ${JSON.stringify(c.name)}: give one of them another name (AS ...)`);
    seen.add(c.name);
  }
  const arrow = await import("apache-arrow");
  const datas = result.columns.map((c) => columnData(arrow, c, result.rows));
  const fields = result.columns.map((c, i) => new arrow.Field(c.name, datas[i]!.type, c.nullCount > 0));
  const schema = new arrow.Schema(fields);
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length: result.rows, nullCount: 0, children: datas });
  const pieces: Uint8Array[] = [];
  for await (const piece of arrow.RecordBatchFileWriter.writeAll(new arrow.Table([new arrow.RecordBatch(schema, struct)]))) pieces.push(piece);
  return pieces;
}

/** Writes a result's columns to `path` on the land as an Arrow IPC file; its reference. */
export async function writeArrowColumns(land: Land, path: string, result: ColumnResult): Promise<LandRef> {
  return land.writeFile(path, await columnsToArrowPieces(result), { mediaType: ARROW_FILE_MEDIA_TYPE });
}

/** The kind of column an Arrow type holds, or undefined for one these columns do not make. */
function kindOf(arrow: Arrow, type: DataType): ColumnKind | undefined {
  const t = arrow.Type;
  switch (type.typeId) {
    case t.Float:
      return (type as InstanceType<Arrow["Float"]>).precision === arrow.Precision.DOUBLE
        ? "float64"
        : (type as InstanceType<Arrow["Float"]>).precision === arrow.Precision.SINGLE
          ? "float32"
          : undefined;
    case t.Int: {
      const i = type as InstanceType<Arrow["Int"]>;
      return `${i.isSigned ? "int" : "uint"}${i.bitWidth}` as ColumnKind;
    }
    case t.Bool:
      return "bool";
    case t.Date:
      return (type as InstanceType<Arrow["Date_"]>).unit === arrow.DateUnit.DAY ? "date" : undefined;
    case t.Timestamp:
      return (type as InstanceType<Arrow["Timestamp"]>).unit === arrow.TimeUnit.MICROSECOND ? "timestamp" : undefined;
    case t.Utf8:
      return "utf8";
    default:
      return undefined;
  }
}

/** Strings this long or shorter are looked up among those already made (repeated words: one string each). */
const INTERN_BYTES = 32;
const INTERN_MAX = 4096;

/**
 * A Utf8 column's strings (null where NULL), decoded from its buffers row by row. Short
 * strings met before are reused, matched byte for byte: a column of a few distinct words
 * (regions, products) then makes a few strings, not one per row, and leaves the garbage
 * collector little to do.
 */
function strings(data: Data): Array<string | null> {
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // by a hash of the bytes: where the first string with it starts, its length, and the string
  const seen = new Map<number, { start: number; length: number; string: string }>();
  const out = new Array<string | null>(data.length);
  for (let i = 0; i < data.length; i++) {
    if (data.nullCount > 0 && !data.getValid(i)) {
      out[i] = null;
      continue;
    }
    const start = offsets[data.offset + i]!;
    const end = offsets[data.offset + i + 1]!;
    const length = end - start;
    if (length > INTERN_BYTES) {
      out[i] = text.toString("utf8", start, end);
      continue;
    }
    let hash = length;
    for (let j = start; j < end; j++) hash = (Math.imul(hash, 31) + bytes[j]!) | 0;
    const met = seen.get(hash);
    if (met !== undefined && met.length === length && sameBytes(bytes, met.start, start, length)) {
      out[i] = met.string;
      continue;
    }
    const string = text.toString("utf8", start, end);
    if (met === undefined && seen.size < INTERN_MAX) seen.set(hash, { start, length, string });
    out[i] = string;
  }
  return out;
}

/** Whether the `length` bytes at `a` and at `b` are the same. */
function sameBytes(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let j = 0; j < length; j++) if (bytes[a + j] !== bytes[b + j]) return false;
  return true;
}

/**
 * Reads an Arrow IPC file of columns (as `writeArrowColumns` writes them, or any file of
 * those types) back by reference, its size and hash checked: typed arrays over the file's
 * bytes, text as strings.
 */
export async function readArrowColumns(land: Land, ref: LandRef, options: ReadRefOptions = {}): Promise<PondColumns> {
  const arrow = await import("apache-arrow");
  const table = await readArrowTable(land, ref, options);
  const out: PondColumns = { rows: table.numRows, columns: {}, kinds: {}, valid: {}, file: ref };
  for (const [i, field] of table.schema.fields.entries()) {
    const kind = kindOf(arrow, field.type);
    if (kind === undefined)
      throw new TypeError(`column ${JSON.stringify(field.name)} of ${ref.path} is ${String(field.type)}: not a column type of pond results`);
    const vector = table.getChildAt(i)!;
    const one = vector.data.length === 1 ? vector.data[0]! : undefined;
    if (kind === "utf8") out.columns[field.name] = one ? strings(one) : (vector.toArray() as Array<string | null>);
    else if (kind === "bool") out.columns[field.name] = Uint8Array.from(vector.toArray() as ArrayLike<number>, (b) => (b ? 1 : 0));
    else if (one) out.columns[field.name] = (one.values as NumericArray).subarray(one.offset, one.offset + one.length);
    else out.columns[field.name] = vector.toArray() as NumericArray;
    out.kinds[field.name] = kind;
    if (vector.nullCount > 0) {
      if (!one || one.offset % 8 !== 0)
        throw new TypeError(`column ${JSON.stringify(field.name)} of ${ref.path}: NULLs in more than one record batch are not read here`);
      out.valid[field.name] = one.nullBitmap!.subarray(one.offset >> 3, (one.offset + one.length + 7) >> 3);
    }
  }
  return out;
}
