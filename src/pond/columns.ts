/**
 * A query's result as columns (one typed array per column) instead of row objects: what
 * `ctx.pond.columns` hands a worker, as an Arrow file on the land. Drivers that can read
 * their results column by column (DuckDB) fill these straight from the database's vectors;
 * any other driver's rows are turned into columns here.
 */
import type { ColumnKind, ColumnResult, NumericArray, ResultColumn } from "../common/columns.js";
import type { Row } from "./types.js";

export type { ColumnKind, ColumnResult, NumericArray, ResultColumn };

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
  private strings: string[] | undefined;
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
    if (kind === "utf8") this.strings = [];
    else this.numbers = new ARRAYS[kind](Math.max(1, expected));
  }

  /** Appends `count` values of a typed chunk; `validBits` (Arrow's layout, from bit 0) marks the rows that have one. */
  appendNumbers(chunk: NumericArray, count: number, validBits?: Uint8Array): void {
    const at = this.length;
    this.reserve(at + count);
    (this.numbers as { set(a: ArrayLike<number | bigint>, offset: number): void }).set(chunk.subarray(0, count) as ArrayLike<number>, at);
    this.markValid(at, count, validBits);
    this.length = at + count;
  }

  /** Appends one value; null marks the row NULL. */
  push(value: number | bigint | string | null): void {
    const at = this.length;
    this.reserve(at + 1);
    if (value === null) {
      this.nullAt(at);
      if (this.strings) this.strings.push("");
    } else {
      if (this.strings) this.strings.push(value as string);
      else this.numbers![at] = value as never;
      this.validAt(at);
    }
    this.length = at + 1;
  }

  finish(): ResultColumn {
    const values = this.strings ?? this.numbers!.subarray(0, this.length);
    const column: ResultColumn = { name: this.name, kind: this.kind, values, nullCount: this.nulls };
    if (this.nulls > 0) column.valid = this.valid!.subarray(0, (this.length + 7) >> 3);
    return column;
  }

  private reserve(length: number): void {
    this.reserved = Math.max(this.reserved, length);
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
