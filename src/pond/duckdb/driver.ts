/** The embedded pond: DuckDB in this process (`@duckdb/node-api`), a file such as `.qb/pond.duckdb`. */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  DuckDBInstance,
  LIST,
  listValue,
  ResultReturnType,
  STRUCT,
  structValue,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBResult,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { Driver, DriverConnection, Lease } from "../driver.js";
import { isLockConflict, PondBusyError, PondConnectError } from "../errors.js";
import { TextList, TextStruct } from "../params.js";
import { toUtcTimestampText } from "../timestamps.js";
import type { ColumnType, JsonValue, Row } from "../types.js";
import type { ColumnResult } from "../columns.js";
import { readDuckColumns } from "./columns.js";
import { duckdbColumnType, duckdbDialect } from "./dialect.js";
import { toJsonValue } from "./values.js";

/** Connections one pond opens at most; DuckDB runs them concurrently (one writer wins a conflict). */
const MAX_CONNECTIONS = 8;

function asValues(values: readonly unknown[]): DuckDBValue[] {
  return values.map((v) =>
    v === undefined ? null : v instanceof TextList ? listValue([...v.items]) : v instanceof TextStruct ? structValue({ ...v.entries }) : v,
  ) as DuckDBValue[];
}

/**
 * The types of text lists and structs, given rather than inferred: the driver infers a
 * list's type from its first item, and a NULL there makes every item of the list NULL.
 */
function asTypes(values: readonly unknown[]): DuckDBType[] {
  return values.map((v) =>
    v instanceof TextList ? LIST(VARCHAR) : v instanceof TextStruct ? STRUCT(Object.fromEntries(Object.keys(v.entries).map((k) => [k, VARCHAR]))) : undefined,
  ) as DuckDBType[];
}

/** A bound value as text for a VARCHAR list (NULL stays NULL; numbers print their shortest exact form). */
function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** JSON columns (DuckDB's JSON type is VARCHAR with an alias the row values do not carry) parsed in place. */
function parseJsonColumns(result: DuckDBResult, rows: Row[]): Row[] {
  const names = result.columnNames();
  const json = result.columnTypes().flatMap((t, i) => (t.alias === "JSON" ? [names[i]!] : []));
  if (json.length === 0) return rows;
  for (const row of rows) {
    for (const name of json) {
      const v = row[name];
      if (typeof v === "string") row[name] = JSON.parse(v) as JsonValue;
    }
  }
  return rows;
}

class DuckConnection implements DriverConnection {
  constructor(readonly raw: DuckDBConnection) {}

  interrupt(): void {
    this.raw.interrupt();
  }

  async all(sql: string, values: readonly unknown[]): Promise<Row[]> {
    const result = await this.raw.run(sql, asValues(values), asTypes(values));
    if (result.returnType !== ResultReturnType.QUERY_RESULT) return [];
    return parseJsonColumns(result, (await result.convertRowObjects(toJsonValue)) as Row[]);
  }

  async run(sql: string, values: readonly unknown[]): Promise<number> {
    const result = await this.raw.run(sql, asValues(values), asTypes(values));
    return result.returnType === ResultReturnType.CHANGED_ROWS ? result.rowsChanged : 0;
  }

  async *batches(sql: string, values: readonly unknown[], batchSize: number, _keep: boolean): AsyncGenerator<Row[], void, undefined> {
    // DuckDB drops a pending result when the connection runs its next statement
    const result = await this.raw.stream(sql, asValues(values), asTypes(values));
    if (result.returnType !== ResultReturnType.QUERY_RESULT) return;
    let pending: Row[] = [];
    for await (const rows of result.yieldConvertedRowObjects(toJsonValue)) {
      for (const row of parseJsonColumns(result, rows as Row[])) {
        pending.push(row);
        if (pending.length === batchSize) {
          yield pending;
          pending = [];
        }
      }
    }
    if (pending.length > 0) yield pending;
  }

  readColumns(sql: string, values: readonly unknown[], signal?: AbortSignal): Promise<ColumnResult> {
    return readDuckColumns(this.raw, sql, asValues(values), asTypes(values), signal);
  }

  async columns(sql: string): Promise<Array<{ name: string; type: ColumnType }>> {
    const result = await this.raw.run(sql);
    const names = result.columnNames();
    return result.columnTypes().map((t, i) => ({ name: names[i]!, type: t.alias === "JSON" ? "json" : duckdbColumnType(t.toString()) }));
  }
}

class DuckDriver implements Driver {
  readonly name = "duckdb" as const;
  readonly dialect = duckdbDialect;
  readonly ddlCommits = false;
  readonly beginSql = "BEGIN TRANSACTION";
  private readonly idle: DuckConnection[] = [];
  private readonly waiting: Array<(c: DuckConnection) => void> = [];
  private open = 0;
  private closed = false;

  constructor(
    readonly url: string,
    private readonly instance: DuckDBInstance,
  ) {}

  async acquire(): Promise<Lease> {
    let conn = this.idle.pop();
    if (conn === undefined && this.open < MAX_CONNECTIONS) {
      this.open++;
      try {
        conn = new DuckConnection(await this.instance.connect());
      } catch (err) {
        this.open--;
        throw new PondConnectError(this.url, err);
      }
    }
    const c = conn ?? (await new Promise<DuckConnection>((resolve) => this.waiting.push(resolve)));
    let done = false;
    return {
      connection: c,
      release: () => {
        if (done) return;
        done = true;
        this.giveBack(c);
      },
      discard: () => {
        if (done) return;
        done = true;
        c.raw.closeSync();
        this.open--;
        if (this.waiting.length > 0 && !this.closed) {
          this.open++;
          void this.instance.connect().then(
            (raw) => this.giveBack(new DuckConnection(raw)),
            () => this.open--,
          );
        }
      },
    };
  }

  private giveBack(c: DuckConnection): void {
    if (this.closed) {
      c.raw.closeSync();
      return;
    }
    const next = this.waiting.shift();
    if (next !== undefined) next(c);
    else this.idle.push(c);
  }

  isMissingTable(err: unknown): boolean {
    return err instanceof Error && /Catalog Error: Table with name .* does not exist/.test(err.message);
  }

  /**
   * One list parameter per column, as text, unnested in step and cast by the INSERT to
   * the columns' types: ~4 times faster than a VALUES list of one parameter per cell.
   */
  insertStatement(
    table: string,
    columns: ReadonlyArray<{ quoted: string; name: string; type: ColumnType }>,
    rows: readonly Row[],
  ): { sql: string; values: unknown[] } {
    const values = columns.map((c) => new TextList(rows.map((r) => asText(this.encode(r[c.name], c.type))) as string[]));
    return {
      sql: `INSERT INTO ${table} (${columns.map((c) => c.quoted).join(", ")}) SELECT ${columns.map(() => "unnest(CAST(? AS VARCHAR[]))").join(", ")}`,
      values,
    };
  }

  encode(value: unknown, type: ColumnType): unknown {
    if (value === undefined) return null;
    if (type === "json") return value === null ? null : JSON.stringify(value);
    if (type === "timestamp") return toUtcTimestampText(value);
    if (value !== null && typeof value === "object") return JSON.stringify(value);
    return value;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.raw.closeSync();
    this.instance.closeSync();
  }
}

/** Opens (creating it if missing, with its folder) a DuckDB pond at `path`, or in memory for ":memory:". */
/**
 * Opens the DuckDB file; `readOnly` opens share it with other readers, a writing open holds
 * it alone. A file that is not there yet is made (no other process can be reading it).
 */
export async function openDuckDbPond(path: string, url: string, readOnly = false): Promise<Driver> {
  if (readOnly && path !== ":memory:" && !existsSync(path)) readOnly = false;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    // NULL sorts as on MySQL (first ascending, last descending), so that one query gives
    // its rows in the same order on either pond
    const instance = await DuckDBInstance.create(path, {
      default_null_order: "nulls_first_on_asc_last_on_desc",
      ...(readOnly && path !== ":memory:" ? { access_mode: "READ_ONLY" } : {}),
    });
    return new DuckDriver(url, instance);
  } catch (err) {
    if (isLockConflict(err)) throw new PondBusyError(url, readOnly, err);
    throw new PondConnectError(url, err);
  }
}
