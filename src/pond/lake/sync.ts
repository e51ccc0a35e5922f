/**
 * `qb pond sync`: fills a pond table from the lake and records a generation. The whole
 * sync is one transaction: on any failure nothing of it is left in the pond.
 */
import { randomBytes } from "node:crypto";
import { LakeSourceError, LakeSyncError, PondError, PondSchemaError, PondUrlError, SyncOptionError } from "../errors.js";
import { checkTableName, quoteTable } from "../names.js";
import type { Dialect, Pond, PondSession, TableSchema } from "../types.js";
import { csvHeader, csvSource } from "./csv-source.js";
import { checkCsvColumns, describeFiles, selectCsvDetected, selectFiles } from "./duckdb-files.js";
import { ensureGenerationsTable, recordGeneration, type Generation, type SyncMode } from "./generations.js";
import { mergeStage, tableChecksum } from "./merge.js";
import { mysqlTableSource, parquetSource } from "./pond-source.js";
import type { RowSource } from "./row-source.js";
import { resolveSource, type SourceSpec } from "./source-spec.js";

export interface SyncOptions {
  /** A CSV or Parquet file, a glob of them, or a mysql:// URL. */
  from: string;
  /** The pond table to create or update. */
  table: string;
  /** Upsert by these columns: new keys are added, rows whose other columns differ are changed. */
  key?: string[];
  /** Only rows whose column is greater than the table's current maximum. */
  incrementalBy?: string;
  /** Column types to use instead of the inferred ones (the others are still inferred). */
  schema?: TableSchema;
  /** With a mysql:// source: the table to read (default: the same name as `table`). */
  sourceTable?: string;
  /** Where relative file paths and globs start (default: the current folder). */
  cwd?: string;
  /** Rows per INSERT when the rows pass through Node (default 2000). */
  batchSize?: number;
}

function rowSourceFor(spec: SourceSpec): RowSource {
  if (spec.kind === "mysql") return mysqlTableSource(spec.uri, spec.table);
  if (spec.kind === "parquet") return parquetSource(spec.files);
  return csvSource(spec.files);
}

/** The table's columns: the source's, typed by the existing table, else by --schema, else as inferred. */
function finalSchema(
  detected: TableSchema,
  existing: TableSchema | undefined,
  given: TableSchema | undefined,
  ctx: { pond: string; table: string; source: string },
): TableSchema {
  const names = new Set(detected.map((c) => c.name));
  for (const g of given ?? []) {
    if (!names.has(g.name))
      throw new SyncOptionError(
        `--schema names column ${g.name}, which ${ctx.source} does not have (its columns: ${detected.map((c) => c.name).join(", ")})`,
        ctx,
      );
  }
  if (existing !== undefined) {
    const have = new Set(existing.map((c) => c.name));
    const missing = existing.filter((c) => !names.has(c.name)).map((c) => c.name);
    const extra = detected.filter((c) => !have.has(c.name)).map((c) => c.name);
    if (missing.length > 0 || extra.length > 0) {
      throw new PondSchemaError(
        `the columns of ${ctx.source} do not match table ${ctx.table} of pond ${ctx.pond}` +
          (missing.length > 0 ? `; the source lacks ${missing.join(", ")}` : "") +
          (extra.length > 0 ? `; the table lacks ${extra.join(", ")}` : ""),
        ctx,
      );
    }
    const types = new Map(existing.map((c) => [c.name, c.type]));
    for (const g of given ?? []) {
      if (types.get(g.name) !== g.type)
        throw new SyncOptionError(`--schema gives ${g.name} as ${g.type}, but table ${ctx.table} of pond ${ctx.pond} has it as ${types.get(g.name)}`, ctx);
    }
    return detected.map((c) => ({ name: c.name, type: types.get(c.name)! }));
  }
  const overrides = new Map((given ?? []).map((c) => [c.name, c.type]));
  return detected.map((c) => ({ name: c.name, type: overrides.get(c.name) ?? c.type }));
}

/** Syncs on one pond object run one after another (DuckDB fails the second of two conflicting commits). */
const queues = new WeakMap<Pond, Promise<unknown>>();

/** Syncs one table from the lake; returns the generation it recorded. */
export function syncTable(pond: Pond, options: SyncOptions): Promise<Generation> {
  const previous = queues.get(pond) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => syncNow(pond, options));
  queues.set(
    pond,
    next.catch(() => {}),
  );
  return next;
}

async function syncNow(pond: Pond, options: SyncOptions): Promise<Generation> {
  const { table } = options;
  checkTableName(table, pond.url);
  const key = options.key ?? [];
  const incrementalBy = options.incrementalBy;
  const mode: SyncMode = key.length > 0 ? "upsert" : incrementalBy !== undefined ? "append" : "replace";
  const spec = await resolveSource(options.from, { cwd: options.cwd ?? process.cwd(), table, sourceTable: options.sourceTable });
  const ctx = { pond: pond.url, table, source: spec.shown };
  const d = pond.dialect;
  const T = quoteTable(d, table);
  // a DuckDB pond reads files itself; otherwise the rows pass through Node
  const files = pond.driver === "duckdb" && spec.kind !== "mysql" ? { kind: spec.kind, files: spec.files } : undefined;
  const rows = files === undefined ? rowSourceFor(spec) : undefined;
  const batchSize = options.batchSize ?? 2000;
  const checkColumns = (names: readonly string[]) => {
    for (const k of [...key, ...(incrementalBy === undefined ? [] : [incrementalBy])]) {
      if (!names.includes(k))
        throw new SyncOptionError(
          `${key.includes(k) ? "--key" : "--incremental-by"} names column ${k}, which ${spec.shown} does not have (its columns: ${names.join(", ")})`,
          ctx,
        );
    }
  };
  let preCreated = false;
  try {
    // DuckDB reads CSV files itself: their header lines are read here first, to refuse an
    // empty file or another header as the MySQL-wire path does, and to check what DuckDB read
    const header = files?.kind === "csv" ? await csvHeader(files.files) : undefined;
    const checkHeader = (columns: TableSchema) => {
      if (header !== undefined)
        checkCsvColumns(
          files!.files,
          header,
          columns.map((c) => c.name),
        );
    };
    await ensureGenerationsTable(pond);
    const existing = await pond.tableSchema(table);
    // a new CSV table in a DuckDB pond: one CREATE TABLE AS over read_csv, as fast as DuckDB reads
    const csvAsIs = existing === undefined && files?.kind === "csv";
    let schema: TableSchema | undefined;
    if (!csvAsIs || options.schema !== undefined) {
      const detected = files !== undefined ? await describeFiles(pond, d, files.kind, files.files) : await rows!.schema();
      checkHeader(detected);
      schema = finalSchema(detected, existing, options.schema, ctx);
      checkColumns(schema.map((c) => c.name));
    }
    // MySQL commits on DDL: the table is made before the transaction (and dropped if the sync fails)
    if (existing === undefined && pond.driver === "mysql") {
      await pond.createTable(table, schema!, { primaryKey: key.length > 0 ? key : undefined });
      preCreated = true;
    }
    const gen = await pond.transaction(async (tx) => {
      const load = async (into: string, columns: TableSchema, after?: unknown): Promise<number> => {
        if (files !== undefined) {
          const read = selectFiles(d, files.kind, files.files, columns);
          const list = columns.map((c) => d.quoteId(c.name)).join(", ");
          return tx.execute(`INSERT INTO ${quoteTable(d, into)} (${list}) SELECT ${list} FROM (${read.select}) AS src`, read.values);
        }
        let n = 0;
        const filter = after === undefined ? undefined : { column: incrementalBy!, value: after };
        for await (const batch of rows!.batches(columns, batchSize, filter)) n += await tx.insert(into, batch, { batchSize });
        return n;
      };
      let counts = { added: 0, changed: 0, removed: 0 };
      if (existing === undefined) {
        if (csvAsIs) {
          const read = selectCsvDetected(d, files!.files, options.schema ?? []);
          await tx.execute(`CREATE TABLE ${T} AS ${read.select}`, read.values);
          counts.added = Number((await tx.query(`SELECT COUNT(*) AS n FROM ${T}`))[0]?.n ?? 0);
          schema = (await tx.tableSchema(table))!;
          checkHeader(schema);
          checkColumns(schema.map((c) => c.name));
        } else {
          if (!preCreated) await tx.createTable(table, schema!);
          counts.added = await load(table, schema!);
        }
        await checkUniqueKey(tx, d, table, key, ctx);
      } else {
        let after: unknown;
        if (incrementalBy !== undefined) after = (await tx.query(`SELECT MAX(${d.quoteId(incrementalBy)}) AS m FROM ${T}`))[0]?.m ?? undefined;
        counts = await withStage(tx, pond, schema!, key, async (stage) => {
          await load(stage, schema!, after);
          if (after !== undefined) {
            const col = d.quoteId(incrementalBy!);
            await tx.execute(`DELETE FROM ${quoteTable(d, stage)} WHERE NOT (${col} > ?) OR ${col} IS NULL`, [after]);
          }
          await checkUniqueKey(tx, d, stage, key, ctx);
          return mergeStage(
            tx,
            d,
            mode,
            table,
            stage,
            schema!.map((c) => c.name),
            key,
          );
        });
      }
      const sum = await tableChecksum(
        tx,
        d,
        table,
        schema!.map((c) => c.name),
      );
      return recordGeneration(tx, {
        source: spec.shown,
        table,
        mode,
        rowsAdded: counts.added,
        rowsChanged: counts.changed,
        rowsRemoved: counts.removed,
        rowsTotal: sum.rows,
        checksum: sum.checksum,
      });
    });
    preCreated = false;
    return gen;
  } catch (err) {
    // the table this sync made goes, unless another sync has committed rows into it meanwhile
    if (preCreated) await dropIfEmpty(pond, T);
    if (err instanceof SyncOptionError || err instanceof PondUrlError || (err instanceof LakeSourceError && err.missing)) throw err;
    throw new LakeSyncError(ctx, err);
  } finally {
    await rows?.close();
  }
}

/** Throws when the key repeats in `table` (the source had two rows for one key). */
async function checkUniqueKey(
  tx: PondSession,
  d: Dialect,
  table: string,
  key: readonly string[],
  ctx: { pond: string; table: string; source: string },
): Promise<void> {
  if (key.length === 0) return;
  const cols = key.map((k) => d.quoteId(k)).join(", ");
  const [dup] = await tx.query(`SELECT ${cols}, COUNT(*) AS qb_n FROM ${quoteTable(d, table)} GROUP BY ${cols} HAVING COUNT(*) > 1 LIMIT 1`);
  if (dup !== undefined) {
    const shown = key.map((k) => `${k} = ${JSON.stringify(dup[k])}`).join(", ");
    throw new PondSchemaError(`${ctx.source} has ${String(dup.qb_n)} rows with ${shown}; --key ${key.join(",")} must be unique`, ctx);
  }
}

/** A temporary stage table for the length of `fn` (dropped after, also on MySQL where temp tables ignore rollback). */
async function withStage<T>(tx: PondSession, pond: Pond, schema: TableSchema, key: string[], fn: (stage: string) => Promise<T>): Promise<T> {
  const stage = `qb_stage_${randomBytes(6).toString("hex")}`;
  // MySQL needs the key indexed to join on it; DuckDB joins by hashing, and indexes cost it time
  await tx.createTable(stage, schema, { temporary: true, primaryKey: key.length > 0 && pond.driver === "mysql" ? key : undefined });
  try {
    return await fn(stage);
  } finally {
    await tx.execute(`DROP ${pond.driver === "mysql" ? "TEMPORARY " : ""}TABLE IF EXISTS ${quoteTable(pond.dialect, stage)}`).catch((err: unknown) => {
      if (!(err instanceof PondError)) throw err;
    });
  }
}

/** Drops a table that holds no rows (a failed first sync's own); one with rows is someone's data. */
export async function dropIfEmpty(pond: Pond, quoted: string): Promise<void> {
  try {
    if ((await pond.query(`SELECT 1 AS one FROM ${quoted} LIMIT 1`)).length === 0) await pond.execute(`DROP TABLE IF EXISTS ${quoted}`);
  } catch {
    // gone already, or unreachable: nothing of ours to remove
  }
}
