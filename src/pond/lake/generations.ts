/** `qb_generations`: one row per sync of a pond table from the lake. */
import type { Pond, PondSession, TableSchema } from "../types.js";

export const GENERATIONS_TABLE = "qb_generations";
/** One row (id 1) holding the last generation number: the row lock orders concurrent syncs. */
export const GENERATION_COUNTER_TABLE = "qb_generation_counter";

export type SyncMode = "replace" | "upsert" | "append";

/** One recorded sync. */
export interface Generation {
  /** Numbered 1, 2, 3… across the pond. */
  generation: number;
  /** When it was recorded, UTC, `YYYY-MM-DD HH:MM:SS.fff`. */
  syncedAt: string;
  /** What was read: absolute file paths (or the glob), or a mysql:// URL without its password. */
  source: string;
  table: string;
  mode: SyncMode;
  rowsAdded: number;
  rowsChanged: number;
  rowsRemoved: number;
  /** Rows in the table after the sync. */
  rowsTotal: number;
  /** Of the table's content after the sync, independent of row order. */
  checksum: string;
}

const SCHEMA: TableSchema = [
  { name: "generation", type: "int" },
  { name: "synced_at", type: "timestamp" },
  { name: "source", type: "string" },
  { name: "table_name", type: "string" },
  { name: "mode", type: "string" },
  { name: "rows_added", type: "int" },
  { name: "rows_changed", type: "int" },
  { name: "rows_removed", type: "int" },
  { name: "rows_total", type: "int" },
  { name: "checksum", type: "string" },
];

/**
 * Creates `qb_generations` and its counter if they are missing (outside a transaction:
 * DDL commits on MySQL).
 */
export async function ensureGenerationsTable(pond: Pond): Promise<void> {
  await pond.createTable(GENERATIONS_TABLE, SCHEMA, { ifNotExists: true, primaryKey: ["generation"] });
  if ((await pond.tableSchema(GENERATION_COUNTER_TABLE)) !== undefined) return;
  await pond.createTable(
    GENERATION_COUNTER_TABLE,
    [
      { name: "id", type: "int" },
      { name: "last", type: "int" },
    ],
    { ifNotExists: true, primaryKey: ["id"] },
  );
  try {
    await pond.execute(
      `INSERT INTO ${GENERATION_COUNTER_TABLE} (id, last) SELECT 1, COALESCE(MAX(generation), 0) FROM ${GENERATIONS_TABLE} WHERE NOT EXISTS (SELECT 1 FROM ${GENERATION_COUNTER_TABLE})`,
    );
  } catch (err) {
    // another process made the row first
    if ((await pond.query(`SELECT id FROM ${GENERATION_COUNTER_TABLE} WHERE id = 1`)).length === 0) throw err;
  }
}

/**
 * Records the next generation, in the sync's own transaction. The number comes from
 * updating the counter row, which locks it until commit: two syncs at once (from two
 * processes on a MySQL-wire pond) take 1 and 2, in commit order, and a rolled-back sync
 * takes none.
 */
export async function recordGeneration(tx: PondSession, g: Omit<Generation, "generation" | "syncedAt">): Promise<Generation> {
  await tx.execute(`UPDATE ${GENERATION_COUNTER_TABLE} SET last = last + 1 WHERE id = 1`);
  const [row] = await tx.query(`SELECT last FROM ${GENERATION_COUNTER_TABLE} WHERE id = 1`);
  const generation = Number(row?.last);
  const syncedAt = new Date().toISOString().replace("T", " ").replace("Z", "");
  await tx.insert(GENERATIONS_TABLE, [
    {
      generation,
      synced_at: syncedAt,
      source: g.source,
      table_name: g.table,
      mode: g.mode,
      rows_added: g.rowsAdded,
      rows_changed: g.rowsChanged,
      rows_removed: g.rowsRemoved,
      rows_total: g.rowsTotal,
      checksum: g.checksum,
    },
  ]);
  return { generation, syncedAt, ...g };
}

function fromRow(r: Record<string, unknown>): Generation {
  return {
    generation: Number(r.generation),
    syncedAt: String(r.synced_at),
    source: String(r.source),
    table: String(r.table_name),
    mode: String(r.mode) as SyncMode,
    rowsAdded: Number(r.rows_added),
    rowsChanged: Number(r.rows_changed),
    rowsRemoved: Number(r.rows_removed),
    rowsTotal: Number(r.rows_total),
    checksum: String(r.checksum),
  };
}

/** Every generation (of one table, when given), oldest first; none when nothing was ever synced. */
export async function listGenerations(pond: PondSession, table?: string): Promise<Generation[]> {
  if ((await pond.tableSchema(GENERATIONS_TABLE)) === undefined) return [];
  const rows =
    table === undefined
      ? await pond.query(`SELECT * FROM ${GENERATIONS_TABLE} ORDER BY generation`)
      : await pond.query(`SELECT * FROM ${GENERATIONS_TABLE} WHERE table_name = :table ORDER BY generation`, { table });
  return rows.map(fromRow);
}

/** The latest generation of a table (what a run that reads it records), if it was ever synced. */
export async function latestGeneration(pond: PondSession, table: string): Promise<Generation | undefined> {
  if ((await pond.tableSchema(GENERATIONS_TABLE)) === undefined) return undefined;
  const rows = await pond.query(`SELECT * FROM ${GENERATIONS_TABLE} WHERE table_name = :table ORDER BY generation DESC LIMIT 1`, { table });
  return rows[0] === undefined ? undefined : fromRow(rows[0]);
}
