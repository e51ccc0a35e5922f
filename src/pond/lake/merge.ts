/**
 * Applying a staged copy of the source to the pond table, in the sync's transaction,
 * counting what it adds, changes and removes. The same SQL on every driver, with the
 * dialect's NULL-safe comparison, row hash and UPDATE…FROM.
 */
import { quoteTable } from "../names.js";
import type { Dialect, PondSession } from "../types.js";
import type { SyncMode } from "./generations.js";

export interface MergeCounts {
  added: number;
  changed: number;
  removed: number;
}

function rowHash(d: Dialect, columns: readonly string[], prefix = ""): string {
  return d.rowHash([...columns].sort().map((c) => prefix + d.quoteId(c)));
}

/** Applies `stage` to `table` as `mode` says; returns the counts. */
export async function mergeStage(
  tx: PondSession,
  d: Dialect,
  mode: SyncMode,
  table: string,
  stage: string,
  columns: readonly string[],
  key: readonly string[],
): Promise<MergeCounts> {
  const T = quoteTable(d, table);
  const S = quoteTable(d, stage);
  const cols = columns.map((c) => d.quoteId(c));
  const list = cols.join(", ");

  if (mode === "append") {
    const added = await tx.execute(`INSERT INTO ${T} (${list}) SELECT ${list} FROM ${S}`);
    return { added, changed: 0, removed: 0 };
  }

  if (mode === "replace") {
    // multiset difference by row hash: one GROUP BY over both tables, no join
    const [counts] = await tx.query(
      `SELECT COALESCE(SUM(CASE WHEN a > b THEN a - b ELSE 0 END), 0) AS added, COALESCE(SUM(CASE WHEN b > a THEN b - a ELSE 0 END), 0) AS removed ` +
        `FROM (SELECT h, SUM(a) AS a, SUM(b) AS b FROM (` +
        `SELECT ${rowHash(d, columns)} AS h, 1 AS a, 0 AS b FROM ${S} UNION ALL SELECT ${rowHash(d, columns)} AS h, 0 AS a, 1 AS b FROM ${T}` +
        `) u GROUP BY h) g`,
    );
    const added = Number(counts?.added ?? 0);
    const removed = Number(counts?.removed ?? 0);
    if (added > 0 || removed > 0) {
      await tx.execute(`DELETE FROM ${T}`);
      await tx.execute(`INSERT INTO ${T} (${list}) SELECT ${list} FROM ${S}`);
    }
    return { added, changed: 0, removed };
  }

  // upsert by key
  const keys = key.map((k) => d.quoteId(k));
  const match = keys.map((k) => `${T}.${k} = s.${k}`).join(" AND ");
  const others = cols.filter((c) => !keys.includes(c));
  const differs = others.length === 0 ? "1 = 0" : others.map((c) => d.isDistinct(`${T}.${c}`, `s.${c}`)).join(" OR ");
  const [a] = await tx.query(`SELECT COUNT(*) AS n FROM ${S} AS s WHERE NOT EXISTS (SELECT 1 FROM ${T} WHERE ${match})`);
  const [c] = await tx.query(`SELECT COUNT(*) AS n FROM ${S} AS s JOIN ${T} ON ${match} WHERE ${differs}`);
  const added = Number(a?.n ?? 0);
  const changed = Number(c?.n ?? 0);
  if (changed > 0) await tx.execute(d.updateFrom(T, S, keys, others, `(${differs})`));
  if (added > 0)
    await tx.execute(
      `INSERT INTO ${T} (${list}) SELECT ${cols.map((x) => `s.${x}`).join(", ")} FROM ${S} AS s WHERE NOT EXISTS (SELECT 1 FROM ${T} WHERE ${match})`,
    );
  return { added, changed, removed: 0 };
}

/** Rows, and a checksum of the table's content that does not depend on row order. */
export async function tableChecksum(tx: PondSession, d: Dialect, table: string, columns: readonly string[]): Promise<{ rows: number; checksum: string }> {
  const [r] = await tx.query(`SELECT COUNT(*) AS n, ${d.sumHash(rowHash(d, columns))} AS h FROM ${quoteTable(d, table)}`);
  const rows = Number(r?.n ?? 0);
  const sum = r?.h === null || r?.h === undefined ? 0n : BigInt(String(r.h));
  return { rows, checksum: `${d.checksumName}:${rows}:${sum.toString(16)}` };
}
