/**
 * One conformance suite, run against every pond driver (embedded DuckDB and MariaDB over
 * the MySQL wire): the same calls must give the same rows and the same failures.
 */
import { describe, expect, it } from "vitest";
import {
  openPond,
  writeRowsInto,
  PondClosedError,
  PondParamError,
  PondQueryError,
  PondSchemaError,
  type Pond,
  type Row,
  type TableSchema,
} from "../src/pond/index.js";
import { pondCases, usePond, uniqueTable } from "./pond-drivers.js";

const cases = await pondCases("test/pond-conformance.test.ts");
const INJECTION = "x'; DROP TABLE sales; --";

const ALL_TYPES: TableSchema = [
  { name: "id", type: "int" },
  { name: "amount", type: "float" },
  { name: "label", type: "string" },
  { name: "ok", type: "bool" },
  { name: "day", type: "date" },
  { name: "at", type: "timestamp" },
  { name: "doc", type: "json" },
];

for (const c of cases) {
  describe.skipIf(!c.available)(`pond conformance: ${c.name}`, () => {
    let pond: Pond;
    const { table } = usePond(c, (p) => (pond = p));

    it("names its driver and hides passwords in its URL", () => {
      expect(pond.driver).toBe(c.name === "duckdb" ? "duckdb" : "mysql");
      expect(pond.url).not.toMatch(/:[^:@/]+@/);
    });

    it("creates a table from a schema and reports it back with the same types", async () => {
      const t = table("qb_types");
      await pond.createTable(t, ALL_TYPES);
      expect(await pond.tableSchema(t)).toEqual(ALL_TYPES);
      expect(await pond.tableSchema(uniqueTable("qb_missing"))).toBeUndefined();
      await expect(pond.createTable(t, ALL_TYPES)).rejects.toBeInstanceOf(PondQueryError);
      await pond.createTable(t, ALL_TYPES, { ifNotExists: true });
    });

    it("returns rows as plain JSON values of every column type", async () => {
      const t = table("qb_values");
      await pond.createTable(t, ALL_TYPES);
      const rows: Row[] = [
        { id: 1, amount: 12.5, label: "a", ok: true, day: "2026-01-21", at: "2026-01-21 10:11:12.345", doc: { tags: ["x", "y"], n: 2 } },
        { id: 2, amount: -0.25, label: "b", ok: false, day: "2026-12-31", at: "2026-12-31T23:59:59Z", doc: [1, "two", null] },
        { id: 3, amount: null, label: null, ok: null, day: null, at: null, doc: null },
      ];
      expect(await pond.insert(t, rows)).toBe(3);
      const back = await pond.query(`SELECT * FROM ${t} ORDER BY id`);
      expect(back).toEqual([{ ...rows[0], at: "2026-01-21 10:11:12.345" }, { ...rows[1], at: "2026-12-31 23:59:59" }, rows[2]]);
      for (const row of back) expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
      expect(JSON.parse(JSON.stringify(back))).toEqual(back);
    });

    it("binds :name parameters (a name used twice is bound twice), and ? parameters from a list", async () => {
      const t = table("qb_params");
      await pond.ensureTable(t, [{ id: 1, region: "east" }]);
      await pond.insert(t, [
        { id: 1, region: "east" },
        { id: 2, region: "west" },
        { id: 3, region: "east" },
      ]);
      expect(await pond.query(`SELECT id FROM ${t} WHERE region = :r AND id >= :lo ORDER BY id`, { r: "east", lo: 2 })).toEqual([{ id: 3 }]);
      expect(await pond.query(`SELECT id FROM ${t} WHERE id = :n OR id = :n + 1 ORDER BY id`, { n: 1 })).toEqual([{ id: 1 }, { id: 2 }]);
      expect(await pond.query(`SELECT id FROM ${t} WHERE region = ? ORDER BY id`, ["west"])).toEqual([{ id: 2 }]);
      // a :word inside a string literal or a comment is text, not a parameter
      expect(await pond.query(`SELECT ':notaparam' AS a, :p AS b -- :nor_this\n`, { p: "v" })).toEqual([{ a: ":notaparam", b: "v" }]);
    });

    it("refuses SQL with a second statement before running any of it, the same on every pond", async () => {
      const t = table("two_statements");
      await pond.createTable(t, [{ name: "id", type: "int" }]);
      await pond.insert(t, [{ id: 1 }]);
      for (const run of [() => pond.query(`SELECT 1 AS one; DELETE FROM ${t}`), () => pond.execute(`DELETE FROM ${t}; SELECT 1`)]) {
        await expect(run()).rejects.toThrow(/more than one statement \(the `;` at offset \d+ starts a second one\)/);
      }
      // nothing ran; a trailing `;` and a `;` inside a string are one statement
      expect(await pond.query(`SELECT id FROM ${t} WHERE ';' <> 'x';`)).toEqual([{ id: 1 }]);
      // each pond's own quoting decides: a backslash does not escape a quote on DuckDB
      if (c.name === "duckdb") {
        await expect(pond.query(`SELECT 'a\\'; DELETE FROM ${t}; SELECT '\\' AS z`)).rejects.toThrow(/more than one statement/);
        expect(await pond.query("SELECT $$a;b$$ AS s")).toEqual([{ s: "a;b" }]);
      } else {
        expect(await pond.query(`SELECT 'it\\'s;' AS s`)).toEqual([{ s: "it's;" }]);
      }
      expect(await pond.query(`SELECT count(*) AS n FROM ${t}`)).toEqual([{ n: 1 }]);
    });

    it("stores and compares an injection-like value as data", async () => {
      const t = table("qb_inject");
      await pond.ensureTable(t, [{ id: 1, name: "n" }]);
      await pond.insert(t, [
        { id: 1, name: INJECTION },
        { id: 2, name: "plain" },
      ]);
      await pond.execute(`INSERT INTO ${t} (id, name) VALUES (:id, :name)`, { id: 3, name: INJECTION });
      expect(await pond.query(`SELECT id, name FROM ${t} WHERE name = :name ORDER BY id`, { name: INJECTION })).toEqual([
        { id: 1, name: INJECTION },
        { id: 3, name: INJECTION },
      ]);
      expect(await pond.query(`SELECT count(*) AS n FROM ${t} WHERE name = :name`, { name: "x" })).toEqual([{ n: 0 }]);
      expect(await pond.query(`SELECT count(*) AS n FROM ${t}`)).toEqual([{ n: 3 }]);
    });

    it("compares strings exactly, case and all", async () => {
      const t = table("qb_case");
      await pond.createTable(t, [{ name: "k", type: "string" }]);
      await pond.insert(t, [{ k: "a" }, { k: "A" }, { k: "é" }]);
      expect(await pond.query(`SELECT k FROM ${t} WHERE k = :k`, { k: "A" })).toEqual([{ k: "A" }]);
      expect(await pond.query(`SELECT k FROM ${t} WHERE k = :k`, { k: "é" })).toEqual([{ k: "é" }]);
    });

    it("refuses a parameter without a value, a value without a parameter, and a list for named parameters", async () => {
      await expect(pond.query("SELECT :a AS a, :b AS b", { a: 1 })).rejects.toThrow(/no value for parameter :b/);
      await expect(pond.query("SELECT :a AS a", { a: 1, z: 2 })).rejects.toThrow(/:z, which the SQL does not use/);
      await expect(pond.query("SELECT :a AS a", [1])).rejects.toBeInstanceOf(PondParamError);
      await expect(pond.query("SELECT :a AS a")).rejects.toBeInstanceOf(PondParamError);
    });

    it("streams a big result in batches, and frees the connection when the reader stops early", async () => {
      const t = table("qb_stream");
      await pond.createTable(t, [
        { name: "id", type: "int" },
        { name: "v", type: "string" },
      ]);
      await pond.insert(
        t,
        Array.from({ length: 2500 }, (_, i) => ({ id: i, v: `v${i}` })),
      );
      const sizes: number[] = [];
      const ids: number[] = [];
      for await (const batch of pond.stream(`SELECT id, v FROM ${t} WHERE id >= :from ORDER BY id`, { from: 0 }, { batchSize: 1000 })) {
        sizes.push(batch.length);
        for (const r of batch) ids.push(r.id as number);
      }
      expect(sizes).toEqual([1000, 1000, 500]);
      // a statement without rows streams no batch
      const none: unknown[] = [];
      for await (const batch of pond.stream(`UPDATE ${t} SET v = v WHERE id < 0`)) none.push(batch);
      expect(none).toEqual([]);
      expect(ids).toEqual(Array.from({ length: 2500 }, (_, i) => i));
      // more early stops than the pond has connections: each must give its connection back
      for (let i = 0; i < 12; i++) {
        for await (const batch of pond.stream(`SELECT id FROM ${t} ORDER BY id`, undefined, { batchSize: 10 })) {
          expect(batch).toHaveLength(10);
          break;
        }
      }
      expect(await pond.query(`SELECT count(*) AS n FROM ${t}`)).toEqual([{ n: 2500 }]);
      // inside a transaction the connection is the transaction's: it must stay usable
      const n = await pond.transaction(async (tx) => {
        for await (const batch of tx.stream(`SELECT id FROM ${t} ORDER BY id`, undefined, { batchSize: 10 })) {
          expect(batch[0]).toEqual({ id: 0 });
          break;
        }
        await tx.execute(`DELETE FROM ${t} WHERE id < :n`, { n: 500 });
        return (await tx.query(`SELECT count(*) AS n FROM ${t}`))[0]!.n;
      });
      expect(n).toBe(2000);
    });

    it("creates a missing table with a schema inferred from rows, and leaves an existing one", async () => {
      const t = table("qb_infer");
      const rows: Row[] = [
        { id: 1, x: 1, name: "a", flag: true, day: "2026-01-02", meta: { k: 1 } },
        { id: 2, x: 2.5, name: null, flag: false, day: "2026-01-03", meta: [1] },
      ];
      const first = await pond.ensureTable(t, rows);
      expect(first.created).toBe(true);
      expect(first.schema).toEqual([
        { name: "id", type: "int" },
        { name: "x", type: "float" },
        { name: "name", type: "string" },
        { name: "flag", type: "bool" },
        { name: "day", type: "date" },
        { name: "meta", type: "json" },
      ]);
      expect(await pond.ensureTable(t, [{ other: 1 }])).toEqual({ created: false, schema: first.schema });
      // rows that look like column definitions are still rows
      const lookalike = table("qb_infer_cols");
      expect((await pond.ensureTable(lookalike, [{ name: "id", type: "int" }])).schema).toEqual([
        { name: "name", type: "string" },
        { name: "type", type: "string" },
      ]);
      const given = table("qb_infer_given");
      expect(await pond.ensureTable(given, { schema: [{ name: "id", type: "int" }] })).toEqual({ created: true, schema: [{ name: "id", type: "int" }] });
      await pond.insert(t, rows);
      expect(await pond.query(`SELECT * FROM ${t} ORDER BY id`)).toEqual(rows);
      await expect(pond.insert(t, [{ id: 3, nope: 1 }])).rejects.toThrow(new RegExp(`no column "nope".*${t}|${t}.*no column "nope"`));
      await expect(pond.ensureTable("bad name; drop", rows)).rejects.toBeInstanceOf(PondSchemaError);
    });

    it("commits a transaction, and rolls it back (rethrowing) when its callback throws", async () => {
      const t = table("qb_tx");
      await pond.createTable(t, [{ name: "id", type: "int" }]);
      const n = await pond.transaction(async (tx) => {
        await tx.insert(t, [{ id: 1 }, { id: 2 }]);
        return (await tx.query(`SELECT count(*) AS n FROM ${t}`))[0]!.n;
      });
      expect(n).toBe(2);
      const boom = new Error("boom");
      await expect(
        pond.transaction(async (tx) => {
          await tx.insert(t, [{ id: 3 }]);
          await tx.execute(`DELETE FROM ${t} WHERE id = :id`, { id: 1 });
          expect(await tx.query(`SELECT id FROM ${t} ORDER BY id`)).toEqual([{ id: 2 }, { id: 3 }]);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await pond.query(`SELECT id FROM ${t} ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
    });

    it("creates a table inside a transaction without committing the transaction", async () => {
      const before = table("qb_txddl_a");
      const made = table("qb_txddl_b");
      await pond.createTable(before, [{ name: "id", type: "int" }]);
      const boom = new Error("boom");
      await expect(
        pond.transaction(async (tx) => {
          await tx.insert(before, [{ id: 1 }]);
          expect((await tx.ensureTable(made, [{ id: 1, v: "x" }])).created).toBe(true);
          await tx.insert(made, [
            { id: 1, v: "x" },
            { id: 2, v: "y" },
          ]);
          expect(await tx.query(`SELECT COUNT(*) AS n FROM ${made}`)).toEqual([{ n: 2 }]);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await pond.query(`SELECT COUNT(*) AS n FROM ${before}`)).toEqual([{ n: 0 }]);
      // DuckDB rolls the new table back too; a MySQL-wire pond keeps it, empty
      if (c.name === "duckdb") expect(await pond.tableSchema(made)).toBeUndefined();
      else expect(await pond.query(`SELECT COUNT(*) AS n FROM ${made}`)).toEqual([{ n: 0 }]);
    });

    it("leaves no rows when a batched insert fails at row 500 of 1000", async () => {
      const t = table("qb_atomic");
      await pond.createTable(
        t,
        [
          { name: "id", type: "int" },
          { name: "qty", type: "int" },
        ],
        { primaryKey: ["id"] },
      );
      // row 500 repeats row 1's key: only the database can refuse it
      const rows: Row[] = Array.from({ length: 1000 }, (_, i) => ({ id: i === 499 ? 1 : i + 1, qty: i }));
      const err = await pond.insert(t, rows, { batchSize: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PondQueryError);
      expect((err as Error).message).toContain(t);
      expect((err as Error).message).toContain("rows 401–500 of 1000");
      expect(await pond.query(`SELECT count(*) AS n FROM ${t}`)).toEqual([{ n: 0 }]);
      // inside a transaction: the earlier insert goes too
      await expect(
        pond.transaction(async (tx) => {
          await tx.insert(t, [{ id: 0, qty: 0 }]);
          await tx.insert(t, rows, { batchSize: 100 });
        }),
      ).rejects.toBeInstanceOf(PondQueryError);
      expect(await pond.query(`SELECT count(*) AS n FROM ${t}`)).toEqual([{ n: 0 }]);
      // and the same rows without the bad one go in whole
      rows[499] = { id: 500, qty: 499 };
      expect(await pond.insert(t, rows, { batchSize: 100 })).toBe(1000);
      expect(await pond.query(`SELECT count(*) AS n, sum(qty) AS s FROM ${t}`)).toEqual([{ n: 1000, s: 499500 }]);
    });

    it("writes a stream of rows into a table (the flow sink): created from the first rows, all or nothing", async () => {
      const t = table("qb_sink");
      async function* rows(n: number, failAt?: number) {
        for (let i = 1; i <= n; i++) {
          if (i === failAt) throw new Error(`worker failed at item ${i}`);
          yield { region: `r${i % 3}`, total: i * 1.5, n: i };
        }
      }
      // a failure mid-stream: the table this call would have created is not left behind
      await expect(writeRowsInto(pond, t, rows(1000, 501), { batchSize: 100 })).rejects.toThrow("worker failed at item 501");
      expect(await pond.tableSchema(t)).toBeUndefined();
      expect(await writeRowsInto(pond, t, rows(1000), { batchSize: 100 })).toEqual({ rows: 1000, created: true });
      expect(await pond.tableSchema(t)).toEqual([
        { name: "region", type: "string" },
        { name: "total", type: "float" },
        { name: "n", type: "int" },
      ]);
      // an existing table keeps exactly what it had
      await expect(writeRowsInto(pond, t, rows(1000, 777), { batchSize: 100 })).rejects.toThrow("item 777");
      expect(await pond.query(`SELECT COUNT(*) AS c, SUM(n) AS s FROM ${t}`)).toEqual([{ c: 1000, s: 500500 }]);
      // batches (lists of rows) work as well as single rows; nothing to write is no table
      expect(await writeRowsInto(pond, t, [[{ region: "x", total: 1, n: 0 }], [{ region: "y", total: 2, n: 0 }]])).toEqual({ rows: 2, created: false });
      expect(await writeRowsInto(pond, uniqueTable("qb_empty"), [])).toEqual({ rows: 0, created: false });
    });

    it("gives integers past 2^53 back as exact text", async () => {
      const t = table("qb_big");
      await pond.createTable(t, [{ name: "id", type: "int" }]);
      await pond.insert(t, [{ id: "9007199254740993" }, { id: 42 }]);
      expect(await pond.query(`SELECT id FROM ${t} ORDER BY id`)).toEqual([{ id: 42 }, { id: "9007199254740993" }]);
      expect(await pond.query(`SELECT id FROM ${t} WHERE id = :id`, { id: "9007199254740993" })).toEqual([{ id: "9007199254740993" }]);
    });

    it("serves many queries at once", async () => {
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => pond.query("SELECT :i AS i", { i })));
      expect(results.map((r) => Number(r[0]!.i))).toEqual(Array.from({ length: 24 }, (_, i) => i));
    });

    it("fails clearly after close", async () => {
      const other = await openPond(c.name === "duckdb" ? ":memory:" : c.url);
      expect(await other.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
      await other.close();
      await expect(other.query("SELECT 1 AS one")).rejects.toBeInstanceOf(PondClosedError);
    });
  });
}
