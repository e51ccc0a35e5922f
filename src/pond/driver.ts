/** What a driver folder provides to the core: connections that run positional SQL. */
import type { ColumnResult } from "./columns.js";
import type { ColumnType, Dialect, DriverName, Row } from "./types.js";

/** One connection (one session): runs SQL with `?` placeholders and an array of values. */
export interface DriverConnection {
  /** The rows of a statement that returns rows; [] for one that does not. */
  all(sql: string, values: readonly unknown[]): Promise<Row[]>;
  /** The number of rows a statement changed. */
  run(sql: string, values: readonly unknown[]): Promise<number>;
  /**
   * A query's rows in batches of up to `batchSize`. Stopped early with `keep`, the rest of
   * the result is read and dropped so that the connection (a transaction's) stays usable;
   * without, the caller discards the connection.
   */
  batches(sql: string, values: readonly unknown[], batchSize: number, keep: boolean): AsyncGenerator<Row[], void, undefined>;
  /** The columns a query returns, with their types, without running it for rows. */
  columns(sql: string): Promise<Array<{ name: string; type: ColumnType }>>;
  /** Stops the statement this connection is running, in the database; its pending call then fails. */
  interrupt(): void;
  /**
   * A query's whole result read column by column, for a driver that can (DuckDB): without
   * it, the core turns the query's rows into columns.
   */
  readColumns?(sql: string, values: readonly unknown[], signal?: AbortSignal): Promise<ColumnResult>;
}

/** A connection borrowed from the driver's pool. */
export interface Lease {
  readonly connection: DriverConnection;
  /** Gives the connection back for reuse. */
  release(): void;
  /** Closes the connection instead (after an error that may have left it in a bad state). */
  discard(): void;
}

export interface Driver {
  readonly name: DriverName;
  /** The pond URL, password hidden. */
  readonly url: string;
  readonly dialect: Dialect;
  readonly beginSql: string;
  /** CREATE TABLE commits the open transaction (MySQL): the core then creates tables on another connection. */
  readonly ddlCommits: boolean;
  acquire(): Promise<Lease>;
  /** Whether an error says that a table does not exist. */
  isMissingTable(err: unknown): boolean;
  /** A value as an INSERT into a column of this type binds it. */
  encode(value: unknown, type: ColumnType): unknown;
  /**
   * The driver's own INSERT of many rows (values bound, never spliced), when it has a
   * faster one than `VALUES (?, ...), (?, ...)`; `columns` are quoted names with types.
   */
  insertStatement?(
    table: string,
    columns: ReadonlyArray<{ quoted: string; name: string; type: ColumnType }>,
    rows: readonly Row[],
  ): { sql: string; values: unknown[] };
  close(): Promise<void>;
}
