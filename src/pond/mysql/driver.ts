/** The MySQL-wire pond (`mysql2`): SingleStore/MemSQL, MariaDB, MySQL, at `mysql://user:password@host:port/database`. */
import mysql from "mysql2/promise";
import type { Connection as CoreConnection, ExecuteValues } from "mysql2";
import type { FieldPacket, Pool, PoolConnection, TypeCastField } from "mysql2/promise";
import type { Driver, DriverConnection, Lease } from "../driver.js";
import { PondConnectError } from "../errors.js";
import { TextList, TextStruct } from "../params.js";
import { normalizeTimestamp, toUtcTimestampText } from "../timestamps.js";
import type { ColumnType, Row } from "../types.js";
import { mysqlDialect } from "./dialect.js";

// mysql2's field type codes (the protocol's)
const T = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  JSON: 245,
  NEWDECIMAL: 246,
} as const;

/** A result column's type from its field packet (`extendedFormat` is MariaDB's JSON marker). */
export function fieldColumnType(f: FieldPacket & { extendedFormat?: string }): ColumnType {
  if (f.extendedFormat === "json") return "json";
  switch (f.columnType ?? f.type) {
    case T.TINY:
      return f.columnLength === 1 ? "bool" : "int";
    case T.SHORT:
    case T.LONG:
    case T.LONGLONG:
    case T.INT24:
    case T.YEAR:
      return "int";
    case T.FLOAT:
    case T.DOUBLE:
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return "float";
    case T.DATE:
    case T.NEWDATE:
      return "date";
    case T.DATETIME:
    case T.TIMESTAMP:
      return "timestamp";
    case T.JSON:
      return "json";
    default:
      return "string";
  }
}

/** Rows as plain JSON: TINYINT(1) as booleans, timestamps without trailing zeros; dates stay text (dateStrings). */
function typeCast(field: TypeCastField, next: () => unknown): unknown {
  if (field.type === "TINY" && field.length === 1) {
    const v = field.string();
    return v === null ? null : v !== "0";
  }
  if (field.type === "DATETIME" || field.type === "TIMESTAMP") {
    const v = field.string();
    return v === null ? null : normalizeTimestamp(v);
  }
  return next();
}

class MysqlConnection implements DriverConnection {
  constructor(
    readonly raw: PoolConnection,
    /** Runs a KILL QUERY for this connection's statement. */
    private readonly kill: (threadId: number) => Promise<void>,
  ) {}

  /** The KILL in flight, if any: a repeated interrupt waits its turn rather than opening another connection. */
  private killing: Promise<void> | undefined;

  interrupt(): void {
    // MySQL stops a statement only when told from another session
    this.killing ??= this.kill(Number(this.raw.threadId)).finally(() => (this.killing = undefined));
  }

  private async exec(sql: string, values: readonly unknown[]): Promise<unknown> {
    // with values: a server-side prepared statement (values bound, never spliced);
    // without: the text protocol, which also runs statements that cannot be prepared
    const bound = values.map((v) => (v instanceof TextList ? JSON.stringify(v.items) : v instanceof TextStruct ? JSON.stringify(v.entries) : v));
    const [result] = bound.length > 0 ? await this.raw.execute(sql, bound as ExecuteValues[]) : await this.raw.query(sql);
    return result;
  }

  async all(sql: string, values: readonly unknown[]): Promise<Row[]> {
    const result = await this.exec(sql, values);
    return Array.isArray(result) ? (result as Row[]) : [];
  }

  async run(sql: string, values: readonly unknown[]): Promise<number> {
    const result = await this.exec(sql, values);
    return !Array.isArray(result) && result !== null && typeof result === "object" && "affectedRows" in result ? Number(result.affectedRows) : 0;
  }

  async *batches(sql: string, values: readonly unknown[], batchSize: number, keep: boolean): AsyncGenerator<Row[], void, undefined> {
    // the callback connection under the promise wrapper streams rows
    const core = this.raw.connection as unknown as CoreConnection;
    const bound = values.map((v) => (v instanceof TextList ? JSON.stringify(v.items) : v instanceof TextStruct ? JSON.stringify(v.entries) : v));
    const cmd = bound.length > 0 ? core.execute(sql, bound as ExecuteValues[]) : core.query(sql);
    const stream = cmd.stream({ highWaterMark: batchSize });
    let finished = false;
    let pending: Row[] = [];
    try {
      // an early stop must not destroy the stream: the server sends the rest regardless
      for await (const row of stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Row>) {
        // a statement without a result set streams its OK packet: not a row
        if (row.constructor?.name === "ResultSetHeader") continue;
        pending.push(row);
        if (pending.length === batchSize) {
          yield pending;
          pending = [];
        }
      }
      finished = true;
      if (pending.length > 0) yield pending;
    } finally {
      if (!finished && keep && !stream.destroyed && !stream.readableEnded) {
        // MySQL cannot stop a result midway: read the rest and drop it
        await new Promise<void>((resolve) => {
          stream
            .once("end", resolve)
            .once("close", resolve)
            .once("error", () => resolve());
          stream.resume();
        });
      } else if (!finished) stream.destroy();
    }
  }

  async columns(sql: string): Promise<Array<{ name: string; type: ColumnType }>> {
    const [, fields] = await this.raw.query(sql);
    return (fields ?? []).map((f) => ({ name: f.name, type: fieldColumnType(f) }));
  }
}

class MysqlDriver implements Driver {
  readonly name = "mysql" as const;
  readonly dialect = mysqlDialect;
  readonly ddlCommits = true;
  readonly beginSql = "START TRANSACTION";

  constructor(
    readonly url: string,
    private readonly pool: Pool,
    private readonly uri: string,
  ) {}

  /**
   * KILL QUERY on a connection of its own, outside the pool: with every pooled connection
   * running a query, a KILL through the pool would wait for one of them to finish.
   */
  private readonly kill = async (threadId: number): Promise<void> => {
    try {
      const c = await mysql.createConnection({ uri: this.uri });
      try {
        await c.query(`KILL QUERY ${threadId}`);
      } finally {
        await c.end().catch(() => undefined);
      }
    } catch {
      // the statement may have ended already: nothing to stop
    }
  };

  async acquire(): Promise<Lease> {
    let raw: PoolConnection;
    try {
      raw = await this.pool.getConnection();
    } catch (err) {
      throw new PondConnectError(this.url, err);
    }
    let done = false;
    return {
      connection: new MysqlConnection(raw, this.kill),
      release: () => {
        if (done) return;
        done = true;
        raw.release();
      },
      discard: () => {
        if (done) return;
        done = true;
        raw.destroy();
      },
    };
  }

  isMissingTable(err: unknown): boolean {
    return typeof err === "object" && err !== null && (err as { errno?: number }).errno === 1146;
  }

  encode(value: unknown, type: ColumnType): unknown {
    if (value === undefined || value === null) return null;
    if (type === "json") return JSON.stringify(value);
    if (type === "timestamp") return toUtcTimestampText(value);
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "object") return JSON.stringify(value);
    return value;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Connects to a MySQL-wire pond (and checks that it answers). */
export async function openMysqlPond(uri: string, url: string): Promise<Driver> {
  const pool = mysql.createPool({
    uri,
    connectionLimit: 8,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    timezone: "Z",
    typeCast,
  });
  try {
    const c = await pool.getConnection();
    c.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new PondConnectError(url, err);
  }
  return new MysqlDriver(url, pool, uri);
}
