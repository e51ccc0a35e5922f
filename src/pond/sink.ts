/**
 * `into pond.table("t") step`: rows from a stream into a table, created from the first
 * rows if missing, in batches inside one transaction. Nothing half-written: when the
 * stream or an insert fails, the transaction is rolled back and a table this call
 * created is dropped again. `replace` deletes the table's rows in that transaction first;
 * `upsert` deletes, batch by batch, the rows whose key columns equal a new row's (NULL-safe),
 * the last of several new rows with one key winning. A write by a run is recorded in
 * `qb_writes` (table, run, mode, rows, time) in the same transaction.
 */
import { PondError } from "./errors.js";
import { quoteTable } from "./names.js";
import type { Dialect, InsertOptions, Pond, PondSession, Row, TableSchema } from "./types.js";

/** How rows go in: `append` (the default), `replace`, or `upsert` by `key` columns. */
export interface WriteMode {
  mode?: "append" | "replace" | "upsert";
  key?: readonly string[];
  /** The run writing: recorded in `qb_writes` with the mode and the row count. */
  runId?: string;
}

/** The table of writes by runs. */
export const WRITES_TABLE = "qb_writes";
/**
 * qb_writes' columns. A function, not a module constant, so that its literals run inside the
 * test that writes (mutation testing counts a module constant as run by no test).
 */
function writesSchema(): TableSchema {
  return [
    { name: "table_name", type: "string" },
    { name: "run_id", type: "string" },
    { name: "mode", type: "string" },
    { name: "row_count", type: "int" },
    { name: "written_at", type: "timestamp" },
  ];
}

export interface SinkResult {
  rows: number;
  /** The table did not exist and was created from the first rows. */
  created: boolean;
}

/** Writes every row of `rows` (single rows or batches, sync or async) into `table`. */
export async function writeRowsInto(
  pond: Pond,
  table: string,
  rows: AsyncIterable<Row | readonly Row[]> | Iterable<Row | readonly Row[]>,
  options: InsertOptions & WriteMode = {},
): Promise<SinkResult> {
  const mode = options.mode ?? "append";
  const key = options.key ?? [];
  if (mode === "upsert" && key.length === 0) throw new PondError(`upsert into ${table}: no key columns`);
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  const source = (Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : (rows as Iterable<Row | readonly Row[]>)[Symbol.iterator]()) as
    AsyncIterator<Row | readonly Row[]> | Iterator<Row | readonly Row[]>;
  let pending: Row[] = [];
  let finished = false;
  /** The next batch of up to batchSize rows, or [] when the stream has ended. */
  const nextBatch = async (): Promise<Row[]> => {
    while (!finished && pending.length < batchSize) {
      const r = await source.next();
      if (r.done) finished = true;
      else if (Array.isArray(r.value)) pending.push(...(r.value as readonly Row[]));
      else pending.push(r.value as Row);
    }
    const out = pending.slice(0, batchSize);
    pending = pending.slice(batchSize);
    return out;
  };

  let first: Row[];
  try {
    first = await nextBatch();
  } catch (err) {
    await source.return?.();
    throw err;
  }
  // `replace` with no rows still empties the table
  const existing = first.length === 0 && mode === "replace" ? await pond.tableSchema(table) : undefined;
  if (first.length === 0 && !existing) return { rows: 0, created: false };
  // DDL outside the transaction: MySQL commits on it
  const { created, schema } = existing ? { created: false, schema: existing } : await pond.ensureTable(table, first);
  const missing = key.filter((k) => !schema.some((c) => c.name === k));
  if (missing.length)
    throw new PondError(`upsert into ${table} by ${key.join(", ")}: no column ${missing.join(", ")} (columns: ${schema.map((c) => c.name).join(", ")})`);
  if (options.runId !== undefined) await pond.ensureTable(WRITES_TABLE, { schema: writesSchema() });
  const quoted = quoteTable(pond.dialect, table);
  try {
    const n = await pond.transaction(async (tx) => {
      if (mode === "replace") await tx.execute(`DELETE FROM ${quoted}`);
      let total = 0;
      for (let batch = first; batch.length > 0; batch = await nextBatch()) {
        if (mode === "upsert") batch = await deleteKeys(tx, pond.dialect, quoted, key, batch);
        total += await tx.insert(table, batch, { batchSize });
      }
      if (options.runId !== undefined)
        await tx.insert(WRITES_TABLE, [
          { table_name: table, run_id: options.runId, mode, row_count: total, written_at: new Date().toISOString().replace("T", " ").replace("Z", "") },
        ]);
      return total;
    });
    return { rows: n, created };
  } catch (err) {
    await Promise.resolve(source.return?.()).catch(() => {});
    if (created)
      await pond.execute(`DROP TABLE IF EXISTS ${quoteTable(pond.dialect, table)}`).catch((e: unknown) => {
        if (!(e instanceof PondError)) throw e;
      });
    throw err;
  }
}

/**
 * Deletes the rows of `quoted` whose `key` columns equal those of a row of `batch` (NULL
 * equal to NULL), and returns the batch with only the last row of each key.
 */
async function deleteKeys(tx: PondSession, dialect: Dialect, quoted: string, key: readonly string[], batch: Row[]): Promise<Row[]> {
  const last = new Map<string, Row>();
  for (const row of batch) last.set(JSON.stringify(key.map((k) => row[k] ?? null)), row);
  const rows = [...last.values()];
  const same = `(${key.map((k) => `NOT (${dialect.isDistinct(dialect.quoteId(k), "?")})`).join(" AND ")})`;
  // a bounded statement: MySQL takes at most 65,535 placeholders
  const per = Math.max(1, Math.floor(10_000 / key.length));
  for (let i = 0; i < rows.length; i += per) {
    const part = rows.slice(i, i + per);
    await tx.execute(
      `DELETE FROM ${quoted} WHERE ${part.map(() => same).join(" OR ")}`,
      part.flatMap((r) => key.map((k) => r[k] ?? null)),
    );
  }
  return rows;
}
