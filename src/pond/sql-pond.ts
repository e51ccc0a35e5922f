/**
 * The driver-independent core: a `Pond` (and its transactions) built on a driver's
 * connections. SQL that differs between drivers comes from the driver's dialect.
 */
import type { Driver, DriverConnection, Lease } from "./driver.js";
import { PondCancelledError, PondClosedError, PondError, PondParamError, PondQueryError, PondSchemaError } from "./errors.js";
import { columnsFromRows, type ColumnResult } from "./columns.js";
import { inferSchema } from "./infer.js";
import { checkColumnName, quoteTable } from "./names.js";
import { bindParams, ParamBindError, type BoundSql } from "./params.js";
import type { CreateTableOptions, Dialect, DriverName, InsertOptions, Params, Pond, PondSession, Row, StreamOptions, TableSchema } from "./types.js";
import { sqlSecondStatement } from "../sql/scanner.js";

const DEFAULT_BATCH = 1000;

/** Where a session's connections come from: the pond borrows one per call, a transaction has its own. */
interface ConnectionSource {
  /** A connection, and what to do when done with it (`ok` false: it may be in a bad state). */
  borrow(): Promise<{ connection: DriverConnection; done: (ok: boolean) => void }>;
  /** Runs `fn` atomically: in a new transaction on the pond, as it is inside one. */
  atomically<T>(fn: (s: SqlSession) => Promise<T>): Promise<T>;
  /** In a transaction on a driver whose DDL commits: runs `fn` on another connection. */
  outside?<T>(fn: (c: DriverConnection) => Promise<T>): Promise<T>;
  /** The connection outlives each call (a transaction's): a stream stopped early must leave it clean. */
  keepsConnection?: boolean;
}

class SqlSession implements PondSession {
  constructor(
    readonly core: Driver,
    private readonly source: ConnectionSource,
  ) {}

  async withConnection<T>(fn: (c: DriverConnection) => Promise<T>): Promise<T> {
    const { connection, done } = await this.source.borrow();
    try {
      return await fn(connection);
    } finally {
      // a failed statement leaves the connection usable; a lost one is dropped by the driver
      done(true);
    }
  }

  protected bind(sql: string, params: Params | undefined): BoundSql {
    // DuckDB would run every statement and give the last one's rows, MySQL refuses the
    // text: one statement per call on both, refused before anything runs
    const second = sqlSecondStatement(sql, this.core.name === "duckdb" ? "duckdb" : "mysql");
    if (second !== undefined) {
      throw new PondQueryError(
        this.core.url,
        sql,
        new Error(`more than one statement (the \`;\` at offset ${second} starts a second one): run them one at a time`),
      );
    }
    try {
      return bindParams(sql, params);
    } catch (err) {
      if (err instanceof ParamBindError) throw new PondParamError(this.core.url, err.message, sql);
      throw err;
    }
  }

  private wrap(err: unknown, sql: string, table?: string): Error {
    if (err instanceof PondError) return err;
    return new PondQueryError(this.core.url, sql, err, table);
  }

  query(sql: string, params?: Params): Promise<Row[]> {
    return this.statement(sql, params, (c, bound) => c.all(bound.sql, bound.values));
  }

  execute(sql: string, params?: Params): Promise<number> {
    return this.statement(sql, params, (c, bound) => c.run(bound.sql, bound.values));
  }

  /** One statement on a connection of the pool, its failure named with its SQL. */
  private async statement<T>(sql: string, params: Params | undefined, run: (c: DriverConnection, bound: BoundSql) => Promise<T>): Promise<T> {
    const bound = this.bind(sql, params);
    return this.withConnection(async (c) => {
      try {
        return await run(c, bound);
      } catch (err) {
        throw this.wrap(err, sql);
      }
    });
  }

  stream(sql: string, params?: Params, options: StreamOptions = {}): AsyncIterable<Row[]> {
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH));
    const bound = this.bind(sql, params);
    const source = this.source;
    const signal = options.signal;
    const url = this.core.url;
    const wrap = (err: unknown) => (signal?.aborted ? new PondCancelledError(url, sql, signal.reason) : this.wrap(err, sql));
    return {
      [Symbol.asyncIterator]: async function* () {
        if (signal?.aborted) throw wrap(signal.reason);
        const { connection, done } = await source.borrow();
        let ok = false;
        const it = connection.batches(bound.sql, bound.values, batchSize, source.keepsConnection === true);
        // the statement stops in the database, and the pending batch fails; told again while
        // a batch is awaited (a statement still queued to start when told, on DuckDB, clears
        // the interrupt), for 5 s at most; never while the reader holds a batch
        let awaiting = false;
        let again: NodeJS.Timeout | undefined;
        let repeats = 0;
        const stopAgain = (): void => {
          if (again) clearInterval(again);
          again = undefined;
        };
        const interrupt = (): void => {
          connection.interrupt();
          if (!awaiting || again) return;
          again = setInterval(() => {
            if (!awaiting || ++repeats > 50) return stopAgain();
            connection.interrupt();
          }, 100);
          again.unref();
        };
        signal?.addEventListener("abort", interrupt, { once: true });
        try {
          // aborted while waiting for a connection: the listener came too late to hear it
          if (signal?.aborted) throw wrap(signal.reason);
          while (true) {
            let next: IteratorResult<Row[], void>;
            // stopped while the reader held a batch: fetch no more
            if (signal?.aborted) throw wrap(signal.reason);
            awaiting = true;
            try {
              next = await it.next();
            } catch (err) {
              throw wrap(err);
            } finally {
              awaiting = false;
            }
            if (signal?.aborted) throw wrap(signal.reason);
            if (next.done) break;
            yield next.value;
          }
          ok = true;
        } finally {
          if (!ok) {
            // stopped early (break) or failed: let the driver finish the result (a
            // transaction's connection must stay usable), then give the connection up
            try {
              await it.return(undefined);
            } catch {
              // the connection is discarded below
            }
          }
          signal?.removeEventListener("abort", interrupt);
          stopAgain();
          done(ok);
        }
      },
    };
  }

  async columns(sql: string, params?: Params, options: { signal?: AbortSignal } = {}): Promise<ColumnResult> {
    const bound = this.bind(sql, params);
    const signal = options.signal;
    const url = this.core.url;
    const cancelled = (): PondCancelledError => new PondCancelledError(url, sql, signal?.reason);
    if (signal?.aborted) throw cancelled();
    const { connection, done } = await this.source.borrow();
    if (!connection.readColumns) {
      done(true);
      // the driver reads rows only: columns made from them (stream stops the query on abort)
      const rows: Row[] = [];
      for await (const batch of this.stream(sql, params, { batchSize: 10_000, ...(signal ? { signal } : {}) })) for (const row of batch) rows.push(row);
      return columnsFromRows(rows, rows.length > 0 ? Object.keys(rows[0]!) : []);
    }
    const interrupt = (): void => connection.interrupt();
    signal?.addEventListener("abort", interrupt, { once: true });
    let ok = false;
    try {
      const result = await connection.readColumns(bound.sql, bound.values, signal);
      ok = true;
      return result;
    } catch (err) {
      throw signal?.aborted ? cancelled() : this.wrap(err, sql);
    } finally {
      signal?.removeEventListener("abort", interrupt);
      done(ok);
    }
  }

  async tableSchema(table: string): Promise<TableSchema | undefined> {
    const sql = `SELECT * FROM ${quoteTable(this.core.dialect, table, this.core.url)} WHERE 1 = 0`;
    return this.withConnection(async (c) => {
      try {
        return await c.columns(sql);
      } catch (err) {
        if (this.core.isMissingTable(err)) return undefined;
        throw this.wrap(err, sql, table);
      }
    });
  }

  async createTable(table: string, schema: TableSchema, options: CreateTableOptions = {}): Promise<void> {
    const sql = createTableSql(this.core.dialect, table, schema, options, this.core.url);
    // MySQL commits the open transaction on CREATE TABLE (not on CREATE TEMPORARY TABLE):
    // inside one, the table is made on another connection and the transaction goes on
    const run =
      !options.temporary && this.core.ddlCommits && this.source.outside
        ? this.source.outside
        : <T>(f: (c: DriverConnection) => Promise<T>) => this.withConnection(f);
    await run(async (c) => {
      try {
        await c.run(sql, []);
      } catch (err) {
        throw this.wrap(err, sql, table);
      }
    });
  }

  async ensureTable(table: string, from: readonly Row[] | { schema: TableSchema }): Promise<{ created: boolean; schema: TableSchema }> {
    const existing = await this.tableSchema(table);
    if (existing !== undefined) return { created: false, schema: existing };
    const schema = "schema" in from && !Array.isArray(from) ? (from as { schema: TableSchema }).schema : inferSchema(from as readonly Row[]);
    if (schema.length === 0) {
      throw new PondSchemaError(`cannot create table ${table} in pond ${this.core.url}: no columns (no rows to infer them from)`, {
        pond: this.core.url,
        table,
      });
    }
    await this.createTable(table, schema, { ifNotExists: true });
    return { created: true, schema: (await this.tableSchema(table)) ?? schema };
  }

  async insert(table: string, rows: readonly Row[], options: InsertOptions = {}): Promise<number> {
    if (rows.length === 0) return 0;
    const schema = await this.tableSchema(table);
    if (schema === undefined)
      throw new PondSchemaError(`cannot insert into table ${table} of pond ${this.core.url}: no such table`, { pond: this.core.url, table });
    const types = new Map(schema.map((c) => [c.name, c.type]));
    if (rows.every((r) => Object.keys(r).length === 0)) {
      throw new PondSchemaError(`cannot insert into table ${table} of pond ${this.core.url}: the rows have no columns`, { pond: this.core.url, table });
    }
    const names: string[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      for (const k of Object.keys(row)) {
        if (seen.has(k)) continue;
        seen.add(k);
        if (!types.has(k)) {
          throw new PondSchemaError(
            `cannot insert into table ${table} of pond ${this.core.url}: no column ${JSON.stringify(k)} (columns: ${schema.map((c) => c.name).join(", ")})`,
            { pond: this.core.url, table },
          );
        }
        names.push(k);
      }
    }
    checkIntValues(rows, names, types, { pond: this.core.url, table });
    const dialect = this.core.dialect;
    const quoted = quoteTable(dialect, table);
    const columns = names.map((n) => ({ name: n, quoted: dialect.quoteId(n), type: types.get(n)! }));
    const own = this.core.insertStatement?.bind(this.core);
    // a driver's own statement binds one value per column; VALUES binds one per cell
    const perStatement = Math.max(1, Math.min(Math.floor(options.batchSize ?? DEFAULT_BATCH), own ? Infinity : Math.floor(dialect.maxParams / names.length)));
    const head = `INSERT INTO ${quoted} (${columns.map((c) => c.quoted).join(", ")}) VALUES `;
    const tuple = `(${names.map(() => "?").join(", ")})`;
    const statement = (batch: readonly Row[]): { sql: string; values: unknown[] } => {
      if (own) return own(quoted, columns, batch);
      const values: unknown[] = [];
      for (const row of batch) for (const c of columns) values.push(this.core.encode(row[c.name], c.type));
      return { sql: head + batch.map(() => tuple).join(", "), values };
    };
    const write = async (c: DriverConnection) => {
      for (let at = 0; at < rows.length; at += perStatement) {
        const batch = rows.slice(at, at + perStatement);
        const { sql, values } = statement(batch);
        try {
          await c.run(sql, values);
        } catch (err) {
          throw new PondQueryError(this.core.url, `INSERT INTO ${quoted} … (rows ${at + 1}–${at + batch.length} of ${rows.length})`, err, table);
        }
      }
      return rows.length;
    };
    if (rows.length <= perStatement) return this.withConnection(write);
    return this.source.atomically((s) => s.withConnection(write));
  }
}

class SqlPond implements Pond {
  private closed = false;
  private readonly leases = new Set<Lease>();
  private readonly session: SqlSession;

  constructor(private readonly core: Driver) {
    this.session = new SqlSession(core, {
      borrow: async () => {
        const lease = await this.lease();
        return { connection: lease.connection, done: (ok: boolean) => this.finish(lease, ok) };
      },
      atomically: (fn) => this.transaction((tx) => fn(tx as SqlSession)),
    });
  }

  get url(): string {
    return this.core.url;
  }
  get driver(): DriverName {
    return this.core.name;
  }
  get dialect(): Dialect {
    return this.core.dialect;
  }

  query(sql: string, params?: Params): Promise<Row[]> {
    return this.session.query(sql, params);
  }
  execute(sql: string, params?: Params): Promise<number> {
    return this.session.execute(sql, params);
  }
  stream(sql: string, params?: Params, options?: StreamOptions): AsyncIterable<Row[]> {
    return this.session.stream(sql, params, options);
  }

  columns(sql: string, params?: Params, options?: { signal?: AbortSignal }): Promise<ColumnResult> {
    return this.session.columns(sql, params, options);
  }
  insert(table: string, rows: readonly Row[], options?: InsertOptions): Promise<number> {
    return this.session.insert(table, rows, options);
  }
  createTable(table: string, schema: TableSchema, options?: CreateTableOptions): Promise<void> {
    return this.session.createTable(table, schema, options);
  }
  ensureTable(table: string, from: readonly Row[] | { schema: TableSchema }): Promise<{ created: boolean; schema: TableSchema }> {
    return this.session.ensureTable(table, from);
  }
  tableSchema(table: string): Promise<TableSchema | undefined> {
    return this.session.tableSchema(table);
  }

  private finish(lease: Lease, reusable: boolean): void {
    if (!this.leases.delete(lease)) return;
    if (reusable) lease.release();
    else lease.discard();
  }

  private async lease(): Promise<Lease> {
    if (this.closed) throw new PondClosedError(this.core.url);
    const lease = await this.core.acquire();
    if (this.closed) {
      lease.discard();
      throw new PondClosedError(this.core.url);
    }
    this.leases.add(lease);
    return lease;
  }

  async transaction<T>(fn: (tx: PondSession) => Promise<T>): Promise<T> {
    const lease = await this.lease();
    const c = lease.connection;
    const finish = (reusable: boolean) => this.finish(lease, reusable);
    const rollback = async () => {
      try {
        await c.run("ROLLBACK", []);
        return true;
      } catch {
        return false;
      }
    };
    try {
      await c.run(this.core.beginSql, []);
    } catch (err) {
      finish(false);
      throw new PondQueryError(this.core.url, this.core.beginSql, err);
    }
    const tx: SqlSession = new SqlSession(this.core, {
      borrow: async () => ({ connection: c, done: () => {} }),
      atomically: (f) => f(tx),
      outside: (f) => this.session.withConnection(f),
      keepsConnection: true,
    });
    let out: T;
    try {
      out = await fn(tx);
    } catch (err) {
      finish(await rollback());
      throw err;
    }
    try {
      await c.run("COMMIT", []);
    } catch (err) {
      finish(await rollback());
      throw new PondQueryError(this.core.url, "COMMIT", err);
    }
    finish(true);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const lease of this.leases) lease.discard();
    this.leases.clear();
    await this.core.close();
  }
}

/**
 * Throws when a row gives an int column a number with a fraction, or text that is not a
 * whole number: DuckDB would round it and MySQL cut it, each silently; a value is stored
 * as given or not at all.
 */
function checkIntValues(rows: readonly Row[], names: readonly string[], types: ReadonlyMap<string, string>, ctx: { pond: string; table: string }): void {
  const ints = names.filter((n) => types.get(n) === "int");
  if (ints.length === 0) return;
  for (let i = 0; i < rows.length; i++) {
    for (const name of ints) {
      const v = rows[i]![name];
      // a number with a fraction, or text that is not a whole number ("2.5" is rounded too)
      if ((typeof v === "number" && !Number.isInteger(v)) || (typeof v === "string" && !/^\s*[+-]?\d+\s*$/.test(v))) {
        throw new PondSchemaError(
          `cannot insert into table ${ctx.table} of pond ${ctx.pond}: row ${i + 1} of ${rows.length}: column ${name}: ${JSON.stringify(v)} is not an int (the column is int; a fraction would be rounded or cut)`,
          ctx,
        );
      }
    }
  }
}

/** `CREATE [TEMP] TABLE [IF NOT EXISTS] t (col TYPE, ..., PRIMARY KEY (...))`. */
export function createTableSql(dialect: Dialect, table: string, schema: TableSchema, options: CreateTableOptions, pond: string): string {
  const key = new Set(options.primaryKey ?? []);
  for (const c of schema) checkColumnName(c.name, table, pond);
  for (const k of key) {
    if (!schema.some((c) => c.name === k))
      throw new PondSchemaError(`cannot create table ${table} in pond ${pond}: key column ${k} is not a column`, { pond, table });
  }
  const cols = schema.map((c) => `${dialect.quoteId(c.name)} ${dialect.sqlType(c.type, key.has(c.name))}${key.has(c.name) ? " NOT NULL" : ""}`);
  if (key.size > 0) cols.push(`PRIMARY KEY (${[...key].map((k) => dialect.quoteId(k)).join(", ")})`);
  const temp = options.temporary ? (dialect.name === "mysql" ? "TEMPORARY " : "TEMP ") : "";
  return `CREATE ${temp}TABLE ${options.ifNotExists ? "IF NOT EXISTS " : ""}${quoteTable(dialect, table, pond)} (${cols.join(", ")})`;
}

/** A pond over a driver's connections. */
export function pondFromDriver(driver: Driver): Pond {
  return new SqlPond(driver);
}
