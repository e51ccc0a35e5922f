/**
 * syncTable called in process (the CLI tests run bin/qb.js, which a mutant of src/ does
 * not reach), on both ponds: what --schema, --key and --incremental-by refuse and with
 * which error, the columns and types a table gets and keeps, the generation each mode
 * records, relative paths, Parquet and MySQL-wire sources, rows per INSERT, and that a
 * failed sync — at any point, up to recording its generation — leaves nothing behind:
 * no table it made, no stage table, no change to an existing table, no generation.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  GENERATION_COUNTER_TABLE,
  LakeSourceError,
  LakeSyncError,
  listGenerations,
  openPond,
  PondQueryError,
  PondSchemaError,
  PondUrlError,
  SyncOptionError,
  syncTable,
  type Generation,
  type Pond,
  type PondSession,
  type SyncOptions,
} from "../src/pond/index.js";
import { MYSQL_URL, pondCases, usePond } from "./pond-drivers.js";

const cases = await pondCases("test/pond-sync-options.test.ts");
const tmp = mkdtempSync(join(tmpdir(), "qb-sync-options-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fileNo = 0;
function file(text: string, name = `f${++fileNo}.csv`): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

/** The error a sync rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<Error> {
  const got = await p.then(
    (g) => ({ resolved: g }),
    (e: unknown) => ({ rejected: e }),
  );
  if ("resolved" in got) throw new Error(`expected the sync to fail, it recorded ${JSON.stringify(got.resolved)}`);
  expect(got.rejected).toBeInstanceOf(Error);
  return got.rejected as Error;
}

interface Watch {
  /** The pond to give syncTable: the same pond, its calls recorded. */
  pond: Pond;
  /** SQL run through the pond and its transactions, in order. */
  sql: string[];
  /** Stage tables made in a transaction. */
  stages: string[];
}

/**
 * `pond` with its calls recorded; `beforeRecord` runs in the sync's transaction just before
 * it takes its generation number (after the load and the merge), `begin` as the
 * transaction starts.
 */
function watch(pond: Pond, hooks: { begin?: (tx: PondSession) => Promise<void>; beforeRecord?: (tx: PondSession) => Promise<void> } = {}): Watch {
  const sql: string[] = [];
  const stages: string[] = [];
  const session = (s: PondSession): PondSession => ({
    query: (q, params) => (sql.push(q), s.query(q, params)),
    execute: async (q, params) => {
      sql.push(q);
      if (q.startsWith(`UPDATE ${GENERATION_COUNTER_TABLE}`) && hooks.beforeRecord && s !== pond) await hooks.beforeRecord(s);
      return s.execute(q, params);
    },
    stream: (q, params, options) => (sql.push(q), s.stream(q, params, options)),
    columns: (q, params, options) => (sql.push(q), s.columns(q, params, options)),
    insert: (t, rows, options) => s.insert(t, rows, options),
    createTable: (t, schema, options) => {
      if (s !== pond && t.startsWith("qb_stage_")) stages.push(t);
      return s.createTable(t, schema, options);
    },
    ensureTable: (t, from) => s.ensureTable(t, from),
    tableSchema: (t) => s.tableSchema(t),
  });
  const watched: Pond = {
    ...session(pond),
    url: pond.url,
    driver: pond.driver,
    dialect: pond.dialect,
    transaction: (fn) =>
      pond.transaction(async (tx) => {
        await hooks.begin?.(tx);
        return fn(session(tx));
      }),
    close: () => pond.close(),
  };
  return { pond: watched, sql, stages };
}

for (const c of cases) {
  describe.skipIf(!c.available)(`syncTable in process: ${c.name}`, () => {
    let pond: Pond;
    const { table } = usePond(c, (p) => (pond = p), { generations: true });
    const rows = (t: string, order: string) => pond.query(`SELECT * FROM ${t} ORDER BY ${order}`);
    const generations = async (t: string) => (await listGenerations(pond, t)).length;

    it("refuses --schema, --key and --incremental-by naming a column the source lacks, as SyncOptionError, making nothing", async () => {
      const t = table("opt_new");
      const src = file("a,b\n1,2\n");
      const refuse = async (options: Partial<SyncOptions>, message: string) => {
        const err = await failure(syncTable(pond, { from: src, table: t, ...options }));
        expect(err.constructor).toBe(SyncOptionError);
        expect(err.message).toBe(message);
        expect(err).toMatchObject({ pond: pond.url, table: t, source: src });
      };
      const cases: Array<[Partial<SyncOptions>, string]> = [
        [{ schema: [{ name: "c", type: "int" }] }, `--schema names column c, which ${src} does not have (its columns: a, b)`],
        [
          {
            schema: [
              { name: "a", type: "string" },
              { name: "zz", type: "int" },
            ],
          },
          `--schema names column zz, which ${src} does not have (its columns: a, b)`,
        ],
        [{ key: ["id"] }, `--key names column id, which ${src} does not have (its columns: a, b)`],
        [{ key: ["a", "zz"] }, `--key names column zz, which ${src} does not have (its columns: a, b)`],
        [{ incrementalBy: "day" }, `--incremental-by names column day, which ${src} does not have (its columns: a, b)`],
        [{ key: ["a"], incrementalBy: "day" }, `--incremental-by names column day, which ${src} does not have (its columns: a, b)`],
        [{ key: ["zz"], incrementalBy: "b" }, `--key names column zz, which ${src} does not have (its columns: a, b)`],
      ];
      for (const [options, message] of cases) await refuse(options, message);
      expect(await pond.tableSchema(t)).toBeUndefined();
      expect(await generations(t)).toBe(0);
      // the same refusals once the table exists; it stays as it was
      await syncTable(pond, { from: src, table: t });
      for (const [options, message] of cases) await refuse(options, message);
      expect(await rows(t, "a")).toEqual([{ a: 1, b: 2 }]);
      expect(await generations(t)).toBe(1);
    });

    it("refuses a source whose columns are not the table's, naming what each side lacks; the table stays", async () => {
      const t = table("opt_cols");
      await syncTable(pond, { from: file("a,b,c\n1,2,3\n"), table: t });
      const mismatch = async (text: string, lacks: string) => {
        const src = file(text);
        const err = await failure(syncTable(pond, { from: src, table: t }));
        const why = `the columns of ${src} do not match table ${t} of pond ${pond.url}; ${lacks}`;
        expect(err.constructor).toBe(LakeSyncError);
        expect(err.message).toBe(`sync of ${src} into table ${t} of pond ${pond.url} failed, nothing was written: ${why}`);
        expect(err).toMatchObject({ pond: pond.url, table: t, source: src });
        expect(err.cause).toBeInstanceOf(PondSchemaError);
        expect((err.cause as Error).message).toBe(why);
      };
      await mismatch("a\n1\n", "the source lacks b, c");
      await mismatch("a,b,c,d,e\n1,2,3,4,5\n", "the table lacks d, e");
      await mismatch("a,c,x\n1,3,9\n", "the source lacks b; the table lacks x");
      expect(await rows(t, "a")).toEqual([{ a: 1, b: 2, c: 3 }]);
      expect(await generations(t)).toBe(1);
    });

    it("types a new table by --schema where given, keeps an existing table's types, and refuses --schema contradicting them", async () => {
      const t = table("opt_types");
      const first = file("id,code,qty\n1,007,1\n2,010,2\n");
      const g1 = await syncTable(pond, {
        from: first,
        table: t,
        key: ["id"],
        schema: [
          { name: "qty", type: "float" },
          { name: "code", type: "string" },
        ],
      });
      expect(g1).toMatchObject({ table: t, mode: "upsert", rowsAdded: 2, rowsChanged: 0, rowsRemoved: 0, rowsTotal: 2, source: first });
      const types = [
        { name: "id", type: "int" },
        { name: "code", type: "string" },
        { name: "qty", type: "float" },
      ];
      expect(await pond.tableSchema(t)).toEqual(types);
      // code reads as an int here, qty too: the table's types hold
      const second = file("id,code,qty\n2,123,20\n3,456,3\n");
      expect(await syncTable(pond, { from: second, table: t, key: ["id"] })).toMatchObject({ rowsAdded: 1, rowsChanged: 1, rowsTotal: 3 });
      expect(await pond.tableSchema(t)).toEqual(types);
      expect(await rows(t, "id")).toEqual([
        { id: 1, code: "007", qty: 1 },
        { id: 2, code: "123", qty: 20 },
        { id: 3, code: "456", qty: 3 },
      ]);
      // --schema that says what the table has is fine
      expect(await syncTable(pond, { from: second, table: t, key: ["id"], schema: [{ name: "code", type: "string" }] })).toMatchObject({
        rowsAdded: 0,
        rowsChanged: 0,
      });
      const err = await failure(syncTable(pond, { from: second, table: t, key: ["id"], schema: [{ name: "qty", type: "int" }] }));
      expect(err.constructor).toBe(SyncOptionError);
      expect(err.message).toBe(`--schema gives qty as int, but table ${t} of pond ${pond.url} has it as float`);
      expect(err).toMatchObject({ pond: pond.url, table: t, source: second });
      expect(await generations(t)).toBe(3);
    });

    it("types a new table as the source has it without --schema", async () => {
      const t = table("opt_infer");
      const src = file("id,name,score,ok,day\n1,a,1.5,true,2026-01-02\n2,b,2,false,2026-01-03\n");
      expect(await syncTable(pond, { from: src, table: t })).toMatchObject({ mode: "replace", rowsAdded: 2, rowsTotal: 2 });
      expect(await pond.tableSchema(t)).toEqual([
        { name: "id", type: "int" },
        { name: "name", type: "string" },
        { name: "score", type: "float" },
        { name: "ok", type: "bool" },
        { name: "day", type: "date" },
      ]);
      expect(await rows(t, "id")).toEqual([
        { id: 1, name: "a", score: 1.5, ok: true, day: "2026-01-02" },
        { id: 2, name: "b", score: 2, ok: false, day: "2026-01-03" },
      ]);
    });

    it("replaces without a key, counting rows added and removed, and records each generation", async () => {
      const t = table("mode_replace");
      const a = file("k,v\na,1\nb,2\nc,3\n");
      const g1 = await syncTable(pond, { from: a, table: t });
      expect(g1).toMatchObject({ source: a, table: t, mode: "replace", rowsAdded: 3, rowsChanged: 0, rowsRemoved: 0, rowsTotal: 3 });
      const b = file("k,v\na,1\nb,20\nd,4\n");
      const g2 = await syncTable(pond, { from: b, table: t });
      expect(g2).toMatchObject({ source: b, table: t, mode: "replace", rowsAdded: 2, rowsChanged: 0, rowsRemoved: 2, rowsTotal: 3 });
      expect(await rows(t, "k")).toEqual([
        { k: "a", v: 1 },
        { k: "b", v: 20 },
        { k: "d", v: 4 },
      ]);
      const g3 = await syncTable(pond, { from: b, table: t });
      expect(g3).toMatchObject({ mode: "replace", rowsAdded: 0, rowsChanged: 0, rowsRemoved: 0, rowsTotal: 3, checksum: g2.checksum });
      expect(g2.checksum).not.toBe(g1.checksum);
      // syncedAt aside: the pond gives timestamps back without trailing zeros (…17.25 for …17.250)
      const bare = (gs: Generation[]) => gs.map(({ syncedAt: _, ...g }) => g);
      const listed = await listGenerations(pond, t);
      expect(bare(listed)).toEqual(bare([g1, g2, g3]));
      for (const [i, g] of listed.entries()) expect(Date.parse(`${g.syncedAt}Z`)).toBe(Date.parse(`${[g1, g2, g3][i]!.syncedAt}Z`));
      expect(g2.generation).toBeGreaterThan(g1.generation);
      expect(g3.generation).toBeGreaterThan(g2.generation);
    });

    it("upserts by key: new keys added, differing rows changed, absent ones kept", async () => {
      const t = table("mode_upsert");
      expect(await syncTable(pond, { from: file("id,name,score\n1,a,1.5\n2,b,2.5\n3,c,3.5\n"), table: t, key: ["id"] })).toMatchObject({
        mode: "upsert",
        rowsAdded: 3,
        rowsChanged: 0,
        rowsRemoved: 0,
        rowsTotal: 3,
      });
      const g = await syncTable(pond, { from: file("id,name,score\n2,b,2.5\n3,c,9\n4,d,4.5\n1,A,1.5\n"), table: t, key: ["id"] });
      expect(g).toMatchObject({ mode: "upsert", rowsAdded: 1, rowsChanged: 2, rowsRemoved: 0, rowsTotal: 4 });
      expect(await rows(t, "id")).toEqual([
        { id: 1, name: "A", score: 1.5 },
        { id: 2, name: "b", score: 2.5 },
        { id: 3, name: "c", score: 9 },
        { id: 4, name: "d", score: 4.5 },
      ]);
    });

    it("takes every row into an existing empty table with --incremental-by (no maximum yet)", async () => {
      const t = table("mode_append_empty");
      await pond.createTable(t, [
        { name: "day", type: "date" },
        { name: "n", type: "int" },
      ]);
      expect(await syncTable(pond, { from: file("day,n\n2026-01-01,1\n2026-01-02,2\n"), table: t, incrementalBy: "day" })).toMatchObject({
        mode: "append",
        rowsAdded: 2,
        rowsTotal: 2,
      });
      expect(await rows(t, "day")).toEqual([
        { day: "2026-01-01", n: 1 },
        { day: "2026-01-02", n: 2 },
      ]);
    });

    it("upserts with --key and --incremental-by: only rows past the maximum, by key", async () => {
      const t = table("mode_upsert_incr");
      await syncTable(pond, { from: file("id,v,at\n1,a,10\n2,b,20\n"), table: t, key: ["id"], incrementalBy: "at" });
      // id 1 changed but not past the maximum (20): left; id 2 changed past it; id 3 new
      const g = await syncTable(pond, { from: file("id,v,at\n1,A,15\n2,B,30\n3,c,25\n"), table: t, key: ["id"], incrementalBy: "at" });
      expect(g).toMatchObject({ mode: "upsert", rowsAdded: 1, rowsChanged: 1, rowsRemoved: 0, rowsTotal: 3 });
      expect(await rows(t, "id")).toEqual([
        { id: 1, v: "a", at: 10 },
        { id: 2, v: "B", at: 30 },
        { id: 3, v: "c", at: 25 },
      ]);
    });

    it("reads a relative path or glob from the folder given as cwd", async () => {
      const dir = join(tmp, `rel-${c.name}`);
      mkdirSync(dir);
      writeFileSync(join(dir, "one.csv"), "id,v\n1,x\n");
      writeFileSync(join(dir, "part-a.csv"), "id,v\n2,y\n");
      writeFileSync(join(dir, "part-b.csv"), "id,v\n3,z\n");
      const t = table("rel");
      expect(await syncTable(pond, { from: "one.csv", cwd: dir, table: t })).toMatchObject({ source: join(dir, "one.csv"), rowsAdded: 1 });
      const g = await syncTable(pond, { from: "part-*.csv", cwd: dir, table: t });
      expect(g).toMatchObject({ source: "part-*.csv (2 files)", rowsAdded: 2, rowsRemoved: 1, rowsTotal: 2 });
      expect(await rows(t, "id")).toEqual([
        { id: 2, v: "y" },
        { id: 3, v: "z" },
      ]);
      const err = await failure(syncTable(pond, { from: "one.csv", table: table("rel_none") }));
      expect(err).toBeInstanceOf(LakeSourceError);
    });

    it("refuses a missing file as it is (LakeSourceError, missing), and an empty one as a failed sync", async () => {
      const t = table("src_missing");
      const missing = join(tmp, "nope.csv");
      const err = await failure(syncTable(pond, { from: missing, table: t }));
      expect(err.constructor).toBe(LakeSourceError);
      expect(err).toMatchObject({ missing: true, message: `lake source ${missing}: no such file (looked for ${missing})` });
      const empty = file("");
      const e2 = await failure(syncTable(pond, { from: empty, table: t }));
      expect(e2.constructor).toBe(LakeSyncError);
      expect(e2.message).toBe(
        `sync of ${empty} into table ${t} of pond ${pond.url} failed, nothing was written: lake source ${empty}: is empty: expected a header line`,
      );
      expect(await pond.tableSchema(t)).toBeUndefined();
    });

    it("leaves no table and no generation when a first sync fails", async () => {
      const t = table("fail_new");
      const lines = Array.from({ length: 1000 }, (_, i) => `${i + 1},${i === 499 ? "lots" : i}`);
      const bad = file(`id,qty\n${lines.join("\n")}\n`);
      for (const options of [{ schema: [{ name: "qty", type: "int" as const }] }, { key: ["id"], schema: [{ name: "qty", type: "int" as const }] }]) {
        const err = await failure(syncTable(pond, { from: bad, table: t, ...options }));
        expect(err.constructor).toBe(LakeSyncError);
        expect(err.message).toContain(`sync of ${bad} into table ${t} of pond ${pond.url} failed, nothing was written: `);
        expect(err.message).toContain("lots");
        expect(await pond.tableSchema(t)).toBeUndefined();
      }
      expect(await generations(t)).toBe(0);
    });

    it("keeps an existing empty table when a sync into it fails", async () => {
      const t = table("fail_empty");
      await pond.createTable(t, [
        { name: "id", type: "int" },
        { name: "qty", type: "int" },
      ]);
      const opt = await failure(syncTable(pond, { from: file("id,qty\n1,1\n"), table: t, key: ["nope"] }));
      expect(opt.constructor).toBe(SyncOptionError);
      expect(await pond.tableSchema(t)).toBeDefined();
      const bad = await failure(syncTable(pond, { from: file("id,qty\n1,x\n"), table: t }));
      expect(bad.constructor).toBe(LakeSyncError);
      expect(await pond.tableSchema(t)).toBeDefined();
      expect(await rows(t, "id")).toEqual([]);
    });

    it("keeps an existing table as it was when a sync into it fails on a value", async () => {
      const t = table("fail_value");
      await syncTable(pond, { from: file("id,qty\n1,1\n2,2\n"), table: t, key: ["id"] });
      const bad = file("id,qty\n1,5\n3,lots\n");
      const err = await failure(syncTable(pond, { from: bad, table: t, key: ["id"] }));
      expect(err.constructor).toBe(LakeSyncError);
      // the cause is the bad value, not a later statement of the failed transaction
      expect(err.message).toMatch(/lots/);
      expect(err.message).not.toMatch(/aborted/i);
      expect(await rows(t, "id")).toEqual([
        { id: 1, qty: 1 },
        { id: 2, qty: 2 },
      ]);
      expect(await generations(t)).toBe(1);
    });

    it("refuses a --key that repeats in the source, on a new table and on an existing one", async () => {
      const t = table("fail_dup");
      const dup = file("a,b,v\n1,x,1\n2,y,2\n1,x,3\n");
      const check = async (err: Error) => {
        expect(err.constructor).toBe(LakeSyncError);
        expect(err).toMatchObject({ pond: pond.url, table: t, source: dup });
        if (pond.driver === "duckdb") {
          const why = `${dup} has 2 rows with a = 1, b = "x"; --key a,b must be unique`;
          expect(err.cause).toBeInstanceOf(PondSchemaError);
          expect((err.cause as Error).message).toBe(why);
          expect(err.message).toBe(`sync of ${dup} into table ${t} of pond ${pond.url} failed, nothing was written: ${why}`);
        } else {
          // the table (and the stage) have the key as primary key: MariaDB refuses the second row
          expect(err.cause).toBeInstanceOf(PondQueryError);
          expect((err.cause as Error).message).toMatch(/Duplicate entry '1-x' for key 'PRIMARY'/);
        }
      };
      await check(await failure(syncTable(pond, { from: dup, table: t, key: ["a", "b"] })));
      expect(await pond.tableSchema(t)).toBeUndefined();
      await syncTable(pond, { from: file("a,b,v\n1,x,1\n"), table: t, key: ["a", "b"] });
      await check(await failure(syncTable(pond, { from: dup, table: t, key: ["a", "b"] })));
      expect(await rows(t, "a")).toEqual([{ a: 1, b: "x", v: 1 }]);
      expect(await generations(t)).toBe(1);
    });

    it("leaves nothing when the sync fails after its merge, as it records its generation", async () => {
      const modes: Array<[string, Partial<SyncOptions>]> = [
        ["replace", {}],
        ["upsert", { key: ["id"] }],
        ["append", { incrementalBy: "id" }],
      ];
      for (const [name, options] of modes) {
        const t = table(`fail_late_${name}`);
        await syncTable(pond, { from: file("id,v\n1,a\n2,b\n"), table: t, ...options });
        const w = watch(pond, {
          beforeRecord: async () => {
            throw new Error("injected after the merge");
          },
        });
        const err = await failure(syncTable(w.pond, { from: file("id,v\n1,A\n3,c\n"), table: t, ...options }));
        expect(err.constructor).toBe(LakeSyncError);
        expect(err.message).toMatch(/nothing was written: injected after the merge$/);
        expect(await rows(t, "id")).toEqual([
          { id: 1, v: "a" },
          { id: 2, v: "b" },
        ]);
        expect(await generations(t)).toBe(1);
        expect(w.stages).toHaveLength(1);
        expect(await pond.tableSchema(w.stages[0]!)).toBeUndefined();
        // a first sync failing there leaves no table
        const fresh = table(`fail_late_new_${name}`);
        await failure(syncTable(w.pond, { from: file("id,v\n1,a\n"), table: fresh, ...options }));
        expect(await pond.tableSchema(fresh)).toBeUndefined();
        expect(await generations(fresh)).toBe(0);
      }
    });

    it("drops its stage table within the sync's transaction", async () => {
      const t = table("stage");
      await syncTable(pond, { from: file("id,v\n1,a\n"), table: t, key: ["id"] });
      const seen: Array<unknown> = [];
      const w = watch(pond, {
        beforeRecord: async (tx) => {
          seen.push(await tx.tableSchema(w.stages[0]!));
        },
      });
      expect(await syncTable(w.pond, { from: file("id,v\n1,b\n2,c\n"), table: t, key: ["id"] })).toMatchObject({ rowsAdded: 1, rowsChanged: 1 });
      expect(w.stages).toHaveLength(1);
      expect(w.stages[0]).toMatch(/^qb_stage_[0-9a-f]{12}$/);
      expect(seen).toEqual([undefined]);
      expect(await pond.tableSchema(w.stages[0]!)).toBeUndefined();
    });

    it("reads Parquet files into a new table and into an existing one", async () => {
      const parquet = join(tmp, `p-${c.name}.parquet`);
      const maker = await openPond(":memory:");
      const make = (n: number, bump: number) =>
        maker.execute(
          `COPY (SELECT i AS id, 'r' || (i % 3) AS region, i * 0.5 + ${bump} AS amount, DATE '2026-01-01' + CAST(i AS INTEGER) AS day FROM range(1, ${n + 1}) t(i)) TO '${parquet}' (FORMAT parquet)`,
        );
      try {
        await make(100, 0);
        const t = table("parquet");
        expect(await syncTable(pond, { from: parquet, table: t, key: ["id"] })).toMatchObject({
          source: parquet,
          mode: "upsert",
          rowsAdded: 100,
          rowsTotal: 100,
        });
        expect(await pond.tableSchema(t)).toEqual([
          { name: "id", type: "int" },
          { name: "region", type: "string" },
          { name: "amount", type: "float" },
          { name: "day", type: "date" },
        ]);
        expect(await pond.query(`SELECT * FROM ${t} WHERE id = 31`)).toEqual([{ id: 31, region: "r1", amount: 15.5, day: "2026-02-01" }]);
        await make(110, 1);
        expect(await syncTable(pond, { from: parquet, table: t, key: ["id"] })).toMatchObject({ rowsAdded: 10, rowsChanged: 100, rowsTotal: 110 });
        expect(await pond.query(`SELECT * FROM ${t} WHERE id IN (31, 110) ORDER BY id`)).toEqual([
          { id: 31, region: "r1", amount: 16.5, day: "2026-02-01" },
          { id: 110, region: "r2", amount: 56, day: "2026-04-21" },
        ]);
      } finally {
        await maker.close();
      }
    });

    const mariadb = cases.find((x) => x.name === "mariadb")!;
    it.skipIf(!mariadb.available)("copies a MySQL-wire table, then only newer rows with --incremental-by, and closes its connections to it", async () => {
      const db = `qb_sync_src_${process.pid}_${randomBytes(3).toString("hex")}`;
      const admin = await openPond(MYSQL_URL);
      await admin.execute(`CREATE DATABASE ${db}`);
      const u = new URL(MYSQL_URL);
      u.pathname = `/${db}`;
      const lakeUrl = u.toString();
      const lake = await openPond(lakeUrl);
      const open = async () => Number((await admin.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = :db", { db }))[0]!.n);
      const closed = async () => {
        for (let i = 0; i < 50 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
        return open();
      };
      try {
        await lake.createTable("src", [
          { name: "id", type: "int" },
          { name: "at", type: "timestamp" },
          { name: "note", type: "string" },
          { name: "doc", type: "json" },
        ]);
        await lake.insert("src", [
          { id: 1, at: "2026-01-01 00:00:01", note: "x'; DROP TABLE sales; --", doc: { a: 1 } },
          { id: 2, at: "2026-01-01 00:00:02", note: null, doc: [1, 2] },
        ]);
        await lake.close();
        const t = table("from_wire");
        const g1 = await syncTable(pond, { from: lakeUrl, sourceTable: "src", table: t, incrementalBy: "at" });
        expect(g1).toMatchObject({ source: `${lakeUrl} table src`, mode: "append", rowsAdded: 2, rowsChanged: 0, rowsRemoved: 0, rowsTotal: 2 });
        expect(await closed()).toBe(0);
        const again = await openPond(lakeUrl);
        await again.insert("src", [{ id: 3, at: "2026-01-01 00:00:03", note: "new", doc: null }]);
        await again.close();
        expect(await syncTable(pond, { from: lakeUrl, sourceTable: "src", table: t, incrementalBy: "at" })).toMatchObject({ rowsAdded: 1, rowsTotal: 3 });
        expect(await closed()).toBe(0);
        expect(await pond.tableSchema(t)).toEqual([
          { name: "id", type: "int" },
          { name: "at", type: "timestamp" },
          { name: "note", type: "string" },
          { name: "doc", type: "json" },
        ]);
        expect(await rows(t, "id")).toEqual([
          { id: 1, at: "2026-01-01 00:00:01", note: "x'; DROP TABLE sales; --", doc: { a: 1 } },
          { id: 2, at: "2026-01-01 00:00:02", note: null, doc: [1, 2] },
          { id: 3, at: "2026-01-01 00:00:03", note: "new", doc: null },
        ]);
        // the source table named by default is the pond table's name; a missing one fails the sync
        const none = table("wire_none");
        const err = await failure(syncTable(pond, { from: lakeUrl, table: none }));
        expect(err.constructor).toBe(LakeSyncError);
        expect(err.message).toBe(
          `sync of ${lakeUrl} table ${none} into table ${none} of pond ${pond.url} failed, nothing was written: no table ${none} in ${lakeUrl}`,
        );
        expect(await pond.tableSchema(none)).toBeUndefined();
        expect(await closed()).toBe(0);
      } finally {
        await lake.close();
        await admin.execute(`DROP DATABASE IF EXISTS ${db}`);
        await admin.close();
      }
    });

    it("refuses a mysql:// source without a database as a bad URL (PondUrlError, not a failed sync)", async () => {
      const u = new URL(MYSQL_URL);
      u.pathname = "/";
      const from = u.toString();
      const err = await failure(syncTable(pond, { from, table: table("wire_url") }));
      expect(err.constructor).toBe(PondUrlError);
      expect(err.message).toMatch(/^bad pond URL ".*": no database \(add \/DATABASE after the host\)/);
    });

    if (c.name === "duckdb") {
      it("checks that DuckDB read a CSV file's columns as its header names them (a new table and an existing one)", async () => {
        const src = file("a,a\n1,2\n");
        const why = `lake source ${src}: DuckDB read its columns as (a, a_1), but its header line is (a, a): check the file for rows with another number of fields, or repeated or empty column names`;
        const t = table("hdr_new");
        const err = await failure(syncTable(pond, { from: src, table: t }));
        expect(err.constructor).toBe(LakeSyncError);
        expect(err.message).toBe(`sync of ${src} into table ${t} of pond ${pond.url} failed, nothing was written: ${why}`);
        expect(err.cause).toBeInstanceOf(LakeSourceError);
        expect(await pond.tableSchema(t)).toBeUndefined();
        const old = table("hdr_old");
        await pond.createTable(old, [
          { name: "a", type: "int" },
          { name: "a_1", type: "int" },
        ]);
        const e2 = await failure(syncTable(pond, { from: src, table: old }));
        expect(e2.message).toBe(`sync of ${src} into table ${old} of pond ${pond.url} failed, nothing was written: ${why}`);
        expect(await rows(old, "a")).toEqual([]);
      });

      it("makes a new CSV table with one CREATE TABLE AS over read_csv, without a separate DESCRIBE", async () => {
        const t = table("as_is");
        const w = watch(pond);
        expect(await syncTable(w.pond, { from: file("id,v\n1,x\n2,y\n"), table: t, key: ["id"] })).toMatchObject({ rowsAdded: 2, rowsTotal: 2 });
        expect(w.sql.filter((s) => s.startsWith(`CREATE TABLE "${t}" AS SELECT * FROM read_csv(`))).toHaveLength(1);
        expect(w.sql.filter((s) => s.startsWith("DESCRIBE"))).toEqual([]);
        expect(w.sql.filter((s) => s.startsWith("INSERT INTO"))).toEqual([]);
      });
    }

    if (c.name === "mariadb") {
      it("makes a new table with --key as its primary key", async () => {
        const keyed = table("pk_yes");
        await syncTable(pond, { from: file("a,b,v\n1,x,1\n"), table: keyed, key: ["a", "b"] });
        const primary = async (t: string) =>
          (await pond.query(`SHOW INDEX FROM ${t}`)).filter((r) => r.Key_name === "PRIMARY").map((r) => [r.Seq_in_index, r.Column_name]);
        expect(await primary(keyed)).toEqual([
          [1, "a"],
          [2, "b"],
        ]);
        const plain = table("pk_no");
        await syncTable(pond, { from: file("a,b,v\n1,x,1\n"), table: plain });
        expect(await primary(plain)).toEqual([]);
      });

      it("writes the rows in INSERTs of batchSize rows (default 2000)", async () => {
        const lines = Array.from({ length: 2500 }, (_, i) => `${i + 1},v${i}`);
        const src = file(`id,v\n${lines.join("\n")}\n`);
        const inserts = async (options: Partial<SyncOptions>, existing: boolean) => {
          const t = table("batch");
          if (existing)
            await pond.createTable(t, [
              { name: "id", type: "int" },
              { name: "v", type: "string" },
            ]);
          let before = 0;
          let after = 0;
          const count = async (tx: PondSession) => Number((await tx.query("SHOW SESSION STATUS LIKE 'Com_insert'"))[0]!.Value);
          const w = watch(pond, {
            begin: async (tx) => void (before = await count(tx)),
            beforeRecord: async (tx) => void (after = await count(tx)),
          });
          expect(await syncTable(w.pond, { from: src, table: t, ...options })).toMatchObject({ rowsAdded: 2500, rowsTotal: 2500 });
          expect(await pond.query(`SELECT COUNT(*) AS n, SUM(id) AS s FROM ${t}`)).toEqual([{ n: 2500, s: (2500 * 2501) / 2 }]);
          return after - before;
        };
        for (const existing of [false, true]) {
          expect(await inserts({}, existing)).toBe(2);
          expect(await inserts({ batchSize: 2500 }, existing)).toBe(1);
          expect(await inserts({ batchSize: 1000 }, existing)).toBe(3);
        }
      });
    }
  });
}
