/**
 * A query's result as columns (one typed array per column) instead of row objects: what
 * `ctx.pond.columns` hands a worker, as an Arrow file on the land. Drivers that can read
 * their results column by column (DuckDB) fill these straight from the database's vectors;
 * any other driver's rows are turned into columns here.
 */
import type { ColumnKind, ColumnResult, NumericArray, ResultColumn, TextValues } from "../common/columns.js";
import type { Row } from "./types.js";

export type { ColumnKind, ColumnResult, NumericArray, ResultColumn, TextValues };

type ArrayCtor = { new (length: number): NumericArray; readonly BYTES_PER_ELEMENT: number };

/** The typed array each kind's values are kept in (bool: one byte per row). */
export const ARRAYS: Record<Exclude<ColumnKind, "utf8">, ArrayCtor> = {
  float64: Float64Array,
  float32: Float32Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
  date: Int32Array,
  timestamp: BigInt64Array,
};

/** Builds one column from chunks of values, growing its arrays by doubling. */
export class ColumnBuilder {
  private numbers: NumericArray | undefined;
  /** Text: where each row's bytes end (offsets[0] is 0), and the UTF-8 bytes. */
  private offsets: Int32Array | undefined;
  private bytes: Uint8Array | undefined;
  private byteLength = 0;
  private valid: Uint8Array | undefined;
  private length = 0;
  /** Rows the arrays have room for (reserve's last length): a bitmap made mid-chunk covers them all. */
  private reserved = 0;
  private nulls = 0;

  constructor(
    readonly name: string,
    readonly kind: ColumnKind,
    /** Rows expected, when known: the arrays are made that size at once. */
    expected = 1024,
  ) {
    if (kind === "utf8") {
      this.offsets = new Int32Array(Math.max(1, expected) + 1);
      // a guess at 8 bytes a row, grown by doubling past it; at most 64 MiB up front
      this.bytes = new Uint8Array(Math.max(16, Math.min(expected * 8, 64 << 20)));
    } else this.numbers = new ARRAYS[kind](Math.max(1, expected));
  }

  /** Appends `count` values of a typed chunk; `validBits` (Arrow's layout, from bit 0) marks the rows that have one. */
  appendNumbers(chunk: NumericArray, count: number, validBits?: Uint8Array): void {
    const at = this.length;
    this.reserve(at + count);
    (this.numbers as { set(a: ArrayLike<number | bigint>, offset: number): void }).set(chunk.subarray(0, count) as ArrayLike<number>, at);
    this.markValid(at, count, validBits);
    this.length = at + count;
  }

  /** Appends one text value as its UTF-8 bytes, `length` of them from `start` in `utf8` (a NULL row is `pushNull`). */
  pushBytes(utf8: Uint8Array, start = 0, length = utf8.length - start): void {
    const at = this.length;
    this.reserve(at + 1);
    this.reserveBytes(length);
    const bytes = this.bytes!;
    const to = this.byteLength;
    // short strings byte by byte: a view per row to `set` from made most of the garbage
    if (length <= 16) for (let i = 0; i < length; i++) bytes[to + i] = utf8[start + i]!;
    else bytes.set(utf8.subarray(start, start + length), to);
    this.endRow(at, to + length);
    this.validAt(at);
  }

  /** Appends a NULL row (0, or "" for text). */
  pushNull(): void {
    const at = this.length;
    this.reserve(at + 1);
    this.nullAt(at);
    if (this.offsets) this.endRow(at, this.byteLength);
    else this.length = at + 1;
  }

  /** Appends one value; null marks the row NULL. */
  push(value: number | bigint | string | null): void {
    if (value === null) return this.pushNull();
    if (this.offsets) return this.pushString(value as string);
    const at = this.length;
    this.reserve(at + 1);
    this.numbers![at] = value as never;
    this.validAt(at);
    this.length = at + 1;
  }

  finish(): ResultColumn {
    const values: NumericArray | TextValues = this.offsets
      ? { offsets: this.offsets.subarray(0, this.length + 1), data: this.bytes!.subarray(0, this.byteLength) }
      : this.numbers!.subarray(0, this.length);
    const column: ResultColumn = { name: this.name, kind: this.kind, values, nullCount: this.nulls };
    if (this.nulls > 0) column.valid = this.valid!.subarray(0, (this.length + 7) >> 3);
    return column;
  }

  private pushString(value: string): void {
    const at = this.length;
    this.reserve(at + 1);
    // at most 3 bytes per UTF-16 unit
    this.reserveBytes(value.length * 3);
    const written = Buffer.from(this.bytes!.buffer, this.bytes!.byteOffset, this.bytes!.byteLength).write(value, this.byteLength, "utf8");
    this.endRow(at, this.byteLength + written);
    this.validAt(at);
  }

  private endRow(at: number, end: number): void {
    if (end > 0x7fffffff) throw new RangeError(`text column ${JSON.stringify(this.name)} is over Arrow's Utf8 limit (2 GiB): select fewer rows`);
    this.byteLength = end;
    this.offsets![at + 1] = end;
    this.length = at + 1;
  }

  private reserveBytes(more: number): void {
    const need = this.byteLength + more;
    if (need <= this.bytes!.length) return;
    const grown = new Uint8Array(Math.max(need, this.bytes!.length * 2));
    grown.set(this.bytes!.subarray(0, this.byteLength));
    this.bytes = grown;
  }

  private reserve(length: number): void {
    this.reserved = Math.max(this.reserved, length);
    if (this.offsets && length + 1 > this.offsets.length) {
      const grown = new Int32Array(Math.max(length + 1, this.offsets.length * 2));
      grown.set(this.offsets);
      this.offsets = grown;
    }
    if (this.numbers && length > this.numbers.length) {
      const grown = new ARRAYS[this.kind as Exclude<ColumnKind, "utf8">](Math.max(length, this.numbers.length * 2));
      (grown as { set(a: ArrayLike<number | bigint>): void }).set(this.numbers as ArrayLike<number>);
      this.numbers = grown;
    }
    if (this.valid && (length + 7) >> 3 > this.valid.length) {
      const grown = new Uint8Array(Math.max((length + 7) >> 3, this.valid.length * 2));
      grown.set(this.valid);
      this.valid = grown;
    }
  }

  /** Marks row `at` NULL, making the validity bitmap (every earlier row valid) on the first. */
  private nullAt(at: number): void {
    if (!this.valid) {
      this.valid = new Uint8Array(Math.max(128, (Math.max(this.reserved, at + 1) * 2 + 7) >> 3)).fill(0xff);
    }
    this.valid[at >> 3]! &= ~(1 << (at & 7));
    this.nulls += 1;
  }

  /** Row `at` has a value: only a bitmap made already needs to say so (grown bytes are 0). */
  private validAt(at: number): void {
    if (this.valid) this.valid[at >> 3]! |= 1 << (at & 7);
  }

  private markValid(at: number, count: number, validBits: Uint8Array | undefined): void {
    if (validBits === undefined && !this.valid) return;
    for (let i = 0; i < count; i++) {
      if (validBits === undefined || (validBits[i >> 3]! >> (i & 7)) & 1) this.validAt(at + i);
      else this.nullAt(at + i);
    }
  }
}

/** The kind a column of row objects gets: numbers as float64, booleans as bool, anything else as text. */
function kindOf(rows: readonly Row[], name: string): ColumnKind {
  let kind: ColumnKind | undefined;
  for (const row of rows) {
    const v = row[name];
    if (v === null || v === undefined) continue;
    const k: ColumnKind = typeof v === "number" ? "float64" : typeof v === "boolean" ? "bool" : "utf8";
    if (kind !== undefined && kind !== k) return "utf8";
    kind = k;
  }
  return kind ?? "utf8";
}

function asText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * Row objects as columns, for drivers that do not read columns themselves: a column whose
 * values are all numbers is float64, all booleans bool, anything else text (objects as
 * JSON). `names` keeps the query's column order when the rows are empty or sparse.
 */
export function columnsFromRows(rows: readonly Row[], names: readonly string[]): ColumnResult {
  const columns = names.map((name) => {
    const kind = kindOf(rows, name);
    const b = new ColumnBuilder(name, kind);
    for (const row of rows) {
      const v = row[name];
      if (v === null || v === undefined) b.push(null);
      else if (kind === "utf8") b.push(asText(v));
      else if (kind === "bool") b.push(v === true ? 1 : 0);
      else b.push(v as number);
    }
    return b.finish();
  });
  return { rows: rows.length, columns };
}
