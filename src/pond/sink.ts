/**
 * `into pond.table("t") step`: rows from a stream into a table, created from the first
 * rows if missing, in batches inside one transaction. Nothing half-written: when the
 * stream or an insert fails, the transaction is rolled back and a table this call
 * created is dropped again.
 */
import { PondError } from "./errors.js";
import { quoteTable } from "./names.js";
import type { InsertOptions, Pond, Row } from "./types.js";

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
  options: InsertOptions = {},
): Promise<SinkResult> {
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
  if (first.length === 0) return { rows: 0, created: false };
  // DDL outside the transaction: MySQL commits on it
  const { created } = await pond.ensureTable(table, first);
  try {
    const n = await pond.transaction(async (tx) => {
      let total = 0;
      for (let batch = first; batch.length > 0; batch = await nextBatch()) total += await tx.insert(table, batch, { batchSize });
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
