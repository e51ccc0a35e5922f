/**
 * The lake → pond sync on both ponds: the sales scenario loads exactly (figures equal to
 * expected/sales.json), a second sync changes nothing, upserts/replaces/appends count
 * what they do, and a failed sync leaves nothing behind.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LakeSourceError, LakeSyncError, listGenerations, openPond, SyncOptionError, syncTable, type Pond } from "../src/pond/index.js";
import { ACCEPTANCE, ROOT } from "./support/examples.js";
import { MYSQL_URL, pondCases, usePond, uniqueTable } from "./pond-drivers.js";

const SALES = join(ACCEPTANCE, "lake", "sales.csv");
const EXPECTED = JSON.parse(readFileSync(join(ACCEPTANCE, "expected", "sales.json"), "utf8")) as {
  by_region: Record<string, Figures>;
  overall: Figures;
};
interface Figures {
  count: number;
  sum: number;
  mean: number;
  min: number;
  max: number;
  stddev: number;
}

const cases = await pondCases("test/pond-lake.test.ts");
const tmp = mkdtempSync(join(tmpdir(), "qb-lake-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fileNo = 0;
function csv(text: string, name = `f${++fileNo}.csv`): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

function expectFigures(got: Record<string, unknown>, want: Figures, where: string): void {
  expect(Number(got.n), `${where} count`).toBe(want.count);
  expect(Math.abs(Number(got.s) - want.sum), `${where} sum to the cent`).toBeLessThan(0.005);
  for (const [k, w] of [
    ["m", want.mean],
    ["lo", want.min],
    ["hi", want.max],
    ["sd", want.stddev],
  ] as const) {
    expect(Math.abs(Number(got[k]) - w) / Math.abs(w), `${where} ${k}: ${String(got[k])} vs ${w}`).toBeLessThan(1e-9);
  }
}

const FIGURES = "COUNT(*) AS n, SUM(amount) AS s, AVG(amount) AS m, MIN(amount) AS lo, MAX(amount) AS hi, STDDEV_POP(amount) AS sd";

for (const c of cases) {
  describe.skipIf(!c.available)(`lake sync into ${c.name}`, () => {
    let pond: Pond;
    const { table } = usePond(c, (p) => (pond = p), { generations: true });
    const count = async (t: string) => Number((await pond.query(`SELECT COUNT(*) AS n FROM ${t}`))[0]!.n);

    it("loads sales.csv exactly: per-region figures equal expected/sales.json, and a second sync changes nothing", { timeout: 120_000 }, async () => {
      const t = table("sales");
      const g1 = await syncTable(pond, { from: SALES, table: t, key: ["id"] });
      expect(g1).toMatchObject({ table: t, mode: "upsert", rowsAdded: 120000, rowsChanged: 0, rowsRemoved: 0, rowsTotal: 120000, source: SALES });
      expect(await count(t)).toBe(120000);
      expect(await pond.tableSchema(t)).toEqual([
        { name: "id", type: "int" },
        { name: "day", type: "date" },
        { name: "region", type: "string" },
        { name: "product", type: "int" },
        { name: "qty", type: "int" },
        { name: "amount", type: "float" },
      ]);
      const regions = await pond.query(`SELECT region, ${FIGURES} FROM ${t} GROUP BY region ORDER BY region`);
      expect(regions.map((r) => r.region)).toEqual(Object.keys(EXPECTED.by_region).sort());
      for (const r of regions) expectFigures(r, EXPECTED.by_region[r.region as string]!, String(r.region));
      expectFigures((await pond.query(`SELECT ${FIGURES} FROM ${t}`))[0]!, EXPECTED.overall, "overall");
      expect(await pond.query(`SELECT id, day, region, product, qty, amount FROM ${t} WHERE id = :id`, { id: 2 })).toEqual([
        { id: 2, day: "2026-05-21", region: "mountains", product: 40, qty: 11, amount: 565.52 },
      ]);

      const g2 = await syncTable(pond, { from: SALES, table: t, key: ["id"] });
      expect(g2).toMatchObject({ generation: g1.generation + 1, rowsAdded: 0, rowsChanged: 0, rowsRemoved: 0, rowsTotal: 120000, checksum: g1.checksum });
      expect((await listGenerations(pond, t)).map((g) => [g.generation, g.rowsAdded, g.rowsChanged])).toEqual([
        [g1.generation, 120000, 0],
        [g2.generation, 0, 0],
      ]);
    });

    it("upserts by key: counts new and changed rows, leaves absent ones", async () => {
      const t = table("upsert");
      const first = csv("id,name,score\n1,a,1.5\n2,b,2.5\n3,c,3.5\n");
      expect(await syncTable(pond, { from: first, table: t, key: ["id"] })).toMatchObject({ rowsAdded: 3, rowsChanged: 0, rowsTotal: 3 });
      const second = csv("id,name,score\n2,b,2.5\n3,c,9\n4,d,4.5\n1,A,1.5\n");
      const g = await syncTable(pond, { from: second, table: t, key: ["id"] });
      expect(g).toMatchObject({ mode: "upsert", rowsAdded: 1, rowsChanged: 2, rowsRemoved: 0, rowsTotal: 4 });
      expect(await pond.query(`SELECT id, name, score FROM ${t} ORDER BY id`)).toEqual([
        { id: 1, name: "A", score: 1.5 },
        { id: 2, name: "b", score: 2.5 },
        { id: 3, name: "c", score: 9 },
        { id: 4, name: "d", score: 4.5 },
      ]);
      const again = await syncTable(pond, { from: second, table: t, key: ["id"] });
      expect(again).toMatchObject({ rowsAdded: 0, rowsChanged: 0, checksum: g.checksum });
    });

    it("replaces the table without a key, counting rows added and removed", async () => {
      const t = table("replace");
      await syncTable(pond, { from: csv("k,v\na,1\nb,2\nc,3\n"), table: t });
      const next = csv("k,v\na,1\nb,20\nd,4\n");
      expect(await syncTable(pond, { from: next, table: t })).toMatchObject({ mode: "replace", rowsAdded: 2, rowsChanged: 0, rowsRemoved: 2, rowsTotal: 3 });
      expect(await pond.query(`SELECT k, v FROM ${t} ORDER BY k`)).toEqual([
        { k: "a", v: 1 },
        { k: "b", v: 20 },
        { k: "d", v: 4 },
      ]);
      expect(await syncTable(pond, { from: next, table: t })).toMatchObject({ rowsAdded: 0, rowsRemoved: 0, rowsTotal: 3 });
    });

    it("appends only rows past the table's maximum with --incremental-by", async () => {
      const t = table("incr");
      const g1 = await syncTable(pond, { from: csv("day,n\n2026-01-01,1\n2026-01-02,2\n2026-01-03,3\n"), table: t, incrementalBy: "day" });
      expect(g1).toMatchObject({ mode: "append", rowsAdded: 3, rowsChanged: 0, rowsRemoved: 0, rowsTotal: 3 });
      // rows at or below the table's maximum, and a row without a value, are not appended
      const more = csv("day,n\n2026-01-02,20\n2026-01-03,30\n,99\n2026-01-04,4\n2026-01-05,5\n");
      expect(await syncTable(pond, { from: more, table: t, incrementalBy: "day" })).toMatchObject({
        mode: "append",
        rowsAdded: 2,
        rowsChanged: 0,
        rowsRemoved: 0,
        rowsTotal: 5,
      });
      expect(await pond.query(`SELECT day, n FROM ${t} ORDER BY day`)).toEqual([
        { day: "2026-01-01", n: 1 },
        { day: "2026-01-02", n: 2 },
        { day: "2026-01-03", n: 3 },
        { day: "2026-01-04", n: 4 },
        { day: "2026-01-05", n: 5 },
      ]);
      expect(await syncTable(pond, { from: more, table: t, incrementalBy: "day" })).toMatchObject({ rowsAdded: 0, rowsTotal: 5 });
    });

    it("takes column types from --schema, and reads a glob of files", async () => {
      const t = table("schema");
      csv("code,qty\n007,1\n010,2\n", "glob-a.csv");
      csv("code,qty\n123,3\n", "glob-b.csv");
      const g = await syncTable(pond, {
        from: join(tmp, "glob-*.csv"),
        table: t,
        schema: [
          { name: "code", type: "string" },
          { name: "qty", type: "float" },
        ],
      });
      expect(g).toMatchObject({ rowsAdded: 3 });
      expect(g.source).toContain("2 files");
      expect(await pond.tableSchema(t)).toEqual([
        { name: "code", type: "string" },
        { name: "qty", type: "float" },
      ]);
      expect(await pond.query(`SELECT code, qty FROM ${t} ORDER BY code`)).toEqual([
        { code: "007", qty: 1 },
        { code: "010", qty: 2 },
        { code: "123", qty: 3 },
      ]);
    });

    it("stores injection-like text from the lake as data", async () => {
      const t = table("inject");
      const evil = "x'; DROP TABLE sales; --";
      await syncTable(pond, { from: csv(`id,name\n1,"${evil}"\n2,":name"\n`), table: t, key: ["id"] });
      expect(await pond.query(`SELECT id FROM ${t} WHERE name = :name`, { name: evil })).toEqual([{ id: 1 }]);
      expect(await pond.query(`SELECT name FROM ${t} WHERE id = :id`, { id: 2 })).toEqual([{ name: ":name" }]);
      expect(await count(t)).toBe(2);
    });

    it("leaves nothing when a sync fails: a bad value in row 500 of 1000, a repeated key", async () => {
      const lines = Array.from({ length: 1000 }, (_, i) => `${i + 1},${i === 499 ? "lots" : i}`);
      const bad = csv(`id,qty\n${lines.join("\n")}\n`);
      // a new table: not created
      const t = table("atomic");
      const before = (await listGenerations(pond, t)).length;
      const err = await syncTable(pond, { from: bad, table: t, schema: [{ name: "qty", type: "int" }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LakeSyncError);
      expect((err as Error).message).toContain(t);
      expect((err as Error).message).toContain(bad);
      expect((err as Error).message).toContain("nothing was written");
      expect(await pond.tableSchema(t)).toBeUndefined();
      expect((await listGenerations(pond, t)).length).toBe(before);
      // an existing table: unchanged
      const good = csv("id,qty\n1,1\n2,2\n");
      await syncTable(pond, { from: good, table: t, key: ["id"] });
      const gens = (await listGenerations(pond, t)).length;
      await expect(syncTable(pond, { from: bad, table: t, key: ["id"] })).rejects.toBeInstanceOf(LakeSyncError);
      expect(await pond.query(`SELECT id, qty FROM ${t} ORDER BY id`)).toEqual([
        { id: 1, qty: 1 },
        { id: 2, qty: 2 },
      ]);
      expect((await listGenerations(pond, t)).length).toBe(gens);
      // a key that repeats in the source
      const dup = await syncTable(pond, { from: csv("id,qty\n1,5\n3,3\n3,4\n"), table: t, key: ["id"] }).catch((e: unknown) => e);
      expect(dup).toBeInstanceOf(LakeSyncError);
      expect((dup as Error).message).toMatch(/3/);
      expect(await pond.query(`SELECT id, qty FROM ${t} ORDER BY id`)).toEqual([
        { id: 1, qty: 1 },
        { id: 2, qty: 2 },
      ]);
    });

    it("refuses a missing file, a --key the source lacks, and columns that do not match the table", async () => {
      const t = table("usage");
      await expect(syncTable(pond, { from: join(tmp, "nope.csv"), table: t })).rejects.toMatchObject({ constructor: LakeSourceError, missing: true });
      await expect(syncTable(pond, { from: join(tmp, "nope-*.csv"), table: t })).rejects.toThrow(/no file matches/);
      await expect(syncTable(pond, { from: csv("a,b\n1,2\n"), table: t, key: ["id"] })).rejects.toBeInstanceOf(SyncOptionError);
      await expect(syncTable(pond, { from: csv("a,b\n1,2\n"), table: t, schema: [{ name: "c", type: "int" }] })).rejects.toBeInstanceOf(SyncOptionError);
      await syncTable(pond, { from: csv("a,b\n1,2\n"), table: t });
      await expect(syncTable(pond, { from: csv("a,c\n1,2\n"), table: t })).rejects.toThrow(/the source lacks b; the table lacks c/);
    });

    it("numbers concurrent syncs one after another", async () => {
      const ts = [table("conc"), table("conc"), table("conc")];
      const gens = await Promise.all(ts.map((t, i) => syncTable(pond, { from: csv(`id,v\n${i},x\n`), table: t, key: ["id"] })));
      const numbers = gens.map((g) => g.generation).sort((a, b) => a - b);
      expect(new Set(numbers).size).toBe(3);
      for (const [i, t] of ts.entries()) expect(await pond.query(`SELECT id FROM ${t}`)).toEqual([{ id: i }]);
    });

    it("reads Parquet files", async () => {
      const file = join(tmp, `p${c.name}.parquet`);
      const maker = await openPond(":memory:");
      await maker.execute(
        `COPY (SELECT i AS id, 'r' || (i % 3) AS region, i * 0.5 AS amount, DATE '2026-01-01' + CAST(i AS INTEGER) AS day FROM range(1, 1001) t(i)) TO '${file}' (FORMAT parquet)`,
      );
      await maker.close();
      const t = table("parquet");
      expect(await syncTable(pond, { from: file, table: t, key: ["id"] })).toMatchObject({ rowsAdded: 1000 });
      expect(await pond.query(`SELECT region, COUNT(*) AS n, SUM(amount) AS s FROM ${t} GROUP BY region ORDER BY region`)).toEqual([
        { region: "r0", n: 333, s: 0.5 * 3 * ((333 * 334) / 2) },
        { region: "r1", n: 334, s: 0.5 * (334 + 3 * ((333 * 334) / 2)) },
        { region: "r2", n: 333, s: 0.5 * (2 * 333 + 3 * ((332 * 333) / 2)) },
      ]);
      expect((await pond.query(`SELECT day FROM ${t} WHERE id = 31`))[0]).toEqual({ day: "2026-02-01" });
      expect(await syncTable(pond, { from: file, table: t, key: ["id"] })).toMatchObject({ rowsAdded: 0, rowsChanged: 0 });
    });
  });
}

const mariadb = cases.find((c) => c.name === "mariadb")!;
describe.skipIf(!mariadb.available)("lake sync from a MySQL-wire table", () => {
  it("copies a MariaDB table into a DuckDB pond, and then only newer rows with --incremental-by", async () => {
    const lake = await openPond(MYSQL_URL);
    const src = uniqueTable("lake_src");
    const pond = await openPond(":memory:");
    try {
      await lake.createTable(src, [
        { name: "id", type: "int" },
        { name: "at", type: "timestamp" },
        { name: "note", type: "string" },
        { name: "doc", type: "json" },
      ]);
      await lake.insert(src, [
        { id: 1, at: "2026-01-01 00:00:01", note: "x'; DROP TABLE sales; --", doc: { a: 1 } },
        { id: 2, at: "2026-01-01 00:00:02", note: null, doc: [1, 2] },
      ]);
      const g1 = await syncTable(pond, { from: MYSQL_URL, sourceTable: src, table: "copy", incrementalBy: "at" });
      expect(g1).toMatchObject({ rowsAdded: 2, source: `${MYSQL_URL} table ${src}` });
      await lake.insert(src, [{ id: 3, at: "2026-01-01 00:00:03", note: "new", doc: null }]);
      expect(await syncTable(pond, { from: MYSQL_URL, sourceTable: src, table: "copy", incrementalBy: "at" })).toMatchObject({ rowsAdded: 1, rowsTotal: 3 });
      expect(await pond.query("SELECT * FROM copy ORDER BY id")).toEqual([
        { id: 1, at: "2026-01-01 00:00:01", note: "x'; DROP TABLE sales; --", doc: { a: 1 } },
        { id: 2, at: "2026-01-01 00:00:02", note: null, doc: [1, 2] },
        { id: 3, at: "2026-01-01 00:00:03", note: "new", doc: null },
      ]);
    } finally {
      await lake.execute(`DROP TABLE IF EXISTS ${src}`);
      await lake.close();
      await pond.close();
    }
  });

  it("numbers syncs from separate connections at once one after another (the counter row is locked until commit)", async () => {
    const ponds = await Promise.all([0, 1, 2, 3].map(() => openPond(MYSQL_URL)));
    const ts = ponds.map(() => uniqueTable("conc_wire"));
    const dir = mkdtempSync(join(tmpdir(), "qb-lake-conc-"));
    try {
      const gens = await Promise.all(
        ponds.map((p, i) => {
          const file = join(dir, `c${i}.csv`);
          writeFileSync(file, `id,v\n${i},${"x".repeat(i)}\n`);
          return syncTable(p, { from: file, table: ts[i]!, key: ["id"] });
        }),
      );
      expect(new Set(gens.map((g) => g.generation)).size).toBe(4);
    } finally {
      for (const [i, p] of ponds.entries()) {
        await p.execute(`DROP TABLE IF EXISTS ${ts[i]}`);
        await p.execute("DELETE FROM qb_generations WHERE table_name = :t", { t: ts[i] });
        await p.close();
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
