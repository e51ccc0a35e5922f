/** The pond's vocabulary: rows, parameters, column types, and the `Pond` interface every driver implements. */
import type { Json } from "../common/json.js";
import type { ColumnResult } from "./columns.js";
/** A value of a pond row: JSON. */
export type JsonValue = Json;

/** One row as a plain JSON object, column name → value. */
export type Row = Record<string, JsonValue>;

/**
 * Values bound to an SQL text: an object for `:name` parameters, or an array for `?`
 * placeholders. Values are bound by the driver, never spliced into the SQL text.
 */
export type Params = Readonly<Record<string, unknown>> | readonly unknown[];

export const COLUMN_TYPES = ["int", "float", "string", "bool", "date", "timestamp", "json"] as const;

/**
 * A column's type, the same words on every driver:
 * int (64-bit), float (double), string, bool, date (`YYYY-MM-DD`),
 * timestamp (`YYYY-MM-DD HH:MM:SS[.ffffff]`, UTC), json (any JSON value).
 */
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface Column {
  name: string;
  type: ColumnType;
}

/** Columns in table order. */
export type TableSchema = Column[];

export interface StreamOptions {
  /** Rows per yielded batch (default 1000). */
  batchSize?: number;
  /**
   * Stops the query when it fires, in the database too (DuckDB's interrupt, MySQL's KILL
   * QUERY): a worker's cancelled call must not leave its query running and its connection
   * taken. The stream then ends with PondCancelledError.
   */
  signal?: AbortSignal;
}

export interface InsertOptions {
  /** Rows per INSERT statement (default: as many as the driver's parameter limit allows, at most 1000). */
  batchSize?: number;
}

export interface CreateTableOptions {
  /** `CREATE TABLE IF NOT EXISTS` (default false: an existing table is an error). */
  ifNotExists?: boolean;
  /** Columns of the primary key. */
  primaryKey?: string[];
  /** A temporary table, visible to this session (transaction) only. */
  temporary?: boolean;
}

/** What a pond and a transaction of it both offer. */
export interface PondSession {
  /** Runs one statement and returns its rows (none for a statement without a result). */
  query(sql: string, params?: Params): Promise<Row[]>;
  /** Runs one statement and returns how many rows it changed. */
  execute(sql: string, params?: Params): Promise<number>;
  /** Runs a query and yields its rows in batches, without holding the whole result. */
  stream(sql: string, params?: Params, options?: StreamOptions): AsyncIterable<Row[]>;
  /**
   * Runs a query and returns its whole result as columns, one typed array each (read
   * straight from the database's vectors on DuckDB; made from rows on other drivers).
   * `signal` stops it as it stops a stream.
   */
  columns(sql: string, params?: Params, options?: { signal?: AbortSignal }): Promise<ColumnResult>;
  /**
   * Inserts rows in batches; every row's keys must be columns of the table (a missing
   * key is NULL). Atomic: on a failure nothing of this call is left in the table.
   * Returns the number of rows inserted.
   */
  insert(table: string, rows: readonly Row[], options?: InsertOptions): Promise<number>;
  /**
   * Creates a table with these columns. Inside a transaction: part of it on DuckDB; on
   * MySQL-wire ponds (where CREATE TABLE would commit the transaction) made at once on
   * another connection, so it stays, empty, if the transaction rolls back.
   */
  createTable(table: string, schema: TableSchema, options?: CreateTableOptions): Promise<void>;
  /**
   * Creates the table if it is missing, with the schema inferred from rows, or given as
   * `{ schema }`; returns the table's schema and whether it was created.
   */
  ensureTable(table: string, from: readonly Row[] | { schema: TableSchema }): Promise<{ created: boolean; schema: TableSchema }>;
  /** The table's columns, or undefined when there is no such table. */
  tableSchema(table: string): Promise<TableSchema | undefined>;
}

export type DriverName = "duckdb" | "mysql";

export interface Pond extends PondSession {
  /** The pond's URL, with any password replaced by `***`: safe for messages and logs. */
  readonly url: string;
  readonly driver: DriverName;
  /** SQL differences between drivers, for code that writes its own SQL (the lake sync). */
  readonly dialect: Dialect;
  /**
   * Runs `fn` in one transaction on one connection: committed when it resolves, rolled
   * back when it throws (and the error rethrown), so nothing is half-written.
   */
  transaction<T>(fn: (tx: PondSession) => Promise<T>): Promise<T>;
  /** Closes every connection; later calls fail with PondClosedError. */
  close(): Promise<void>;
}

/** The SQL that differs between drivers. */
export interface Dialect {
  readonly name: DriverName;
  /** A quoted identifier. */
  quoteId(name: string): string;
  /** The SQL type of a column; `key` when it is part of a key (MySQL needs a bounded string). */
  sqlType(type: ColumnType, key: boolean): string;
  /** The column type that a column of this SQL type holds (from information_schema). */
  columnType(sqlType: string): ColumnType;
  /** `a` and `b` differ, NULLs equal to each other. */
  isDistinct(a: string, b: string): string;
  /** A hash of the values of these expressions, NULL-safe (equal values, equal hashes). */
  rowHash(exprs: string[]): string;
  /** The sum over rows of a row hash (as a number), as exact integer text: an order-independent checksum. */
  sumHash(hashExpr: string): string;
  /** Names the checksum's algorithm in `qb_generations` (checksums compare only under one name). */
  readonly checksumName: string;
  /** `UPDATE target SET cols = s.cols FROM stage s WHERE keys match AND where`. */
  updateFrom(target: string, stage: string, keys: string[], cols: string[], where: string): string;
  /** The most parameters one statement may bind. */
  readonly maxParams: number;
}
