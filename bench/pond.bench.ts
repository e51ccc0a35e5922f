/**
 * `qb pond sync` of a generated 1,000,000-row CSV into a fresh DuckDB pond (through
 * syncTable: type detection, the table, the checksum, the generation, one transaction)
 * against DuckDB's own `CREATE TABLE t AS SELECT * FROM read_csv('file')` of the same file
 * into a fresh database, in the same run. Goal: the sync within 1.5× of DuckDB alone.
 * Also: a second sync of the same file (nothing changes) and an upsert sync by key.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { openPond, syncTable } from "../src/pond/index.js";

const ROWS = 1_000_000;
const RUNS = 3;
const REGIONS = ["north", "south", "east", "west", "central", "coast", "mountains", "islands"];

/** A deterministic CSV shaped like the sales lake: id, day, region, product, qty, amount. */
async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  out.write("id,day,region,product,qty,amount\n");
  let chunk = "";
  for (let i = 1; i <= rows; i++) {
    const day = `2026-${String(1 + Math.floor(rnd() * 12)).padStart(2, "0")}-${String(1 + Math.floor(rnd() * 28)).padStart(2, "0")}`;
    chunk += `${i},${day},${REGIONS[Math.floor(rnd() * REGIONS.length)]},${1 + Math.floor(rnd() * 50)},${1 + Math.floor(rnd() * 20)},${(rnd() * 1000).toFixed(2)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
      chunk = "";
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

async function duckdbAlone(dir: string, csv: string, run: number): Promise<{ seconds: number; rows: number }> {
  const db = await DuckDBInstance.create(join(dir, `alone-${run}.duckdb`));
  const c = await db.connect();
  const t0 = performance.now();
  await c.run("CREATE TABLE t AS SELECT * FROM read_csv($1)", [csv]);
  const seconds = (performance.now() - t0) / 1000;
  const rows = Number((await c.runAndReadAll("SELECT count(*) FROM t")).getRows()[0]![0]);
  c.closeSync();
  db.closeSync();
  return { seconds, rows };
}

async function viaSync(
  dir: string,
  csv: string,
  run: number,
): Promise<{ seconds: number; rows: number; again: number; added: number; againAdded: number; againChanged: number }> {
  const pond = await openPond(join(dir, `pond-${run}.duckdb`));
  try {
    const t0 = performance.now();
    const g = await syncTable(pond, { from: csv, table: "t" });
    const seconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const g2 = await syncTable(pond, { from: csv, table: "t" });
    const again = (performance.now() - t1) / 1000;
    return { seconds, rows: g.rowsTotal, again, added: g.rowsAdded, againAdded: g2.rowsAdded, againChanged: g2.rowsChanged + g2.rowsRemoved };
  } finally {
    await pond.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export default async function pondBench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "qb-bench-pond-"));
  try {
    const csv = join(dir, "sales-1m.csv");
    await writeCsv(csv, ROWS);
    const alone: number[] = [];
    const sync: number[] = [];
    const again: number[] = [];
    // alternate, so that neither side always runs on a warmer cache
    for (let run = 0; run < RUNS; run++) {
      const a = await duckdbAlone(dir, csv, run);
      const s = await viaSync(dir, csv, run);
      if (a.rows !== ROWS || s.rows !== ROWS || s.added !== ROWS)
        throw new Error(`row counts differ: DuckDB ${a.rows}, sync ${s.rows} (added ${s.added}), expected ${ROWS}`);
      if (s.againAdded !== 0 || s.againChanged !== 0)
        throw new Error(`a second sync of the same file changed rows: ${s.againAdded} added, ${s.againChanged} changed/removed`);
      alone.push(a.seconds);
      sync.push(s.seconds);
      again.push(s.again);
    }
    const upsertPond = await openPond(join(dir, "upsert.duckdb"));
    let upsertSeconds: number;
    try {
      const t0 = performance.now();
      await syncTable(upsertPond, { from: csv, table: "t", key: ["id"] });
      upsertSeconds = (performance.now() - t0) / 1000;
    } finally {
      await upsertPond.close();
    }
    const ratio = median(sync) / median(alone);
    return {
      rows: ROWS,
      csv_mb: Math.round(statSync(csv).size / 1e5) / 10,
      runs: RUNS,
      duckdb_read_csv_s: { median: r3(median(alone)), all: alone.map(r3) },
      qb_pond_sync_s: { median: r3(median(sync)), all: sync.map(r3) },
      ratio: Math.round(ratio * 100) / 100,
      goal: "ratio ≤ 1.5",
      within_goal: ratio <= 1.5,
      second_sync_no_change_s: { median: r3(median(again)), all: again.map(r3) },
      first_sync_with_key_s: r3(upsertSeconds),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
