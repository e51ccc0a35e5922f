/**
 * writeRowsInto (a step's items into a pond table) on both ponds: rows cut into batches of
 * batchSize whatever lists the stream yields, the table made from the first batch before
 * the rest is read, one INSERT per batch, and on a failure the source told to stop, the
 * table it made dropped, and the caller given the source's error, even when the pond is
 * gone by then.
 */
import { describe, expect, it } from "vitest";
import { openPond, writeRowsInto, type Pond, type PondSession, type Row, type TableSchema } from "../src/pond/index.js";
import { pondCases, usePond } from "./pond-drivers.js";

const cases = await pondCases("test/pond-sink.test.ts");

const ids = (from: number, to: number): Row[] => Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i, v: `v${from + i}` }));

/** An async iterator over `rows` whose next() rejects at `failAt` (0-based), with or without return(). */
function failing(rows: Row[], failAt: number, withReturn: boolean): AsyncIterable<Row> & { returned: number } {
  const out = {
    returned: 0,
    [Symbol.asyncIterator]() {
      let i = 0;
      const it: AsyncIterator<Row> = {
        next: async () => {
          if (i === failAt) throw new Error(`source broke at item ${i}`);
          return i < rows.length ? { done: false, value: rows[i++]! } : { done: true, value: undefined };
        },
      };
      if (withReturn)
        it.return = async () => {
          out.returned++;
          return { done: true, value: undefined };
        };
      return it;
    },
  };
  return out;
}

for (const c of cases) {
  describe.skipIf(!c.available)(`writeRowsInto: ${c.name}`, () => {
    let pond: Pond;
    const { table } = usePond(c, (p) => (pond = p));
    const all = (t: string) => pond.query(`SELECT id, v FROM ${t} ORDER BY id`);

    it("cuts the rows into batches of batchSize, whatever lists the stream yields", async () => {
      const t = table("sink_lists");
      // one list of 25 rows, then single rows and a short list
      async function* stream() {
        yield ids(1, 25);
        yield ids(26, 26)[0]!;
        yield ids(27, 29);
        yield ids(30, 30)[0]!;
      }
      expect(await writeRowsInto(pond, t, stream(), { batchSize: 10 })).toEqual({ rows: 30, created: true });
      expect(await all(t)).toEqual(ids(1, 30));
      // a plain (sync) iterable of one big list, into the existing table
      expect(await writeRowsInto(pond, t, [ids(31, 52)], { batchSize: 7 })).toEqual({ rows: 22, created: false });
      expect(await all(t)).toEqual(ids(1, 52));
    });

    it("makes the table from the first batch before reading the rest of the stream", async () => {
      const t = table("sink_lazy");
      const seen: Array<TableSchema | undefined> = [];
      async function* stream() {
        for (const row of ids(1, 12)) {
          seen.push(await pond.tableSchema(t));
          yield row;
        }
      }
      expect(await writeRowsInto(pond, t, stream(), { batchSize: 5 })).toEqual({ rows: 12, created: true });
      const schema = [
        { name: "id", type: "int" },
        { name: "v", type: "string" },
      ];
      // the first five rows are read before the table exists; the sixth after
      expect(seen).toEqual([...Array(5).fill(undefined), ...Array(7).fill(schema)]);
      expect(await all(t)).toEqual(ids(1, 12));
    });

    it("stops a source that fails in its first batch, and makes nothing", async () => {
      const t = table("sink_first");
      const src = failing(ids(1, 20), 3, true);
      await expect(writeRowsInto(pond, t, src, { batchSize: 10 })).rejects.toThrow(/^source broke at item 3$/);
      expect(src.returned).toBe(1);
      expect(await pond.tableSchema(t)).toBeUndefined();
      // a source without return(): its own error, not a TypeError about return
      await expect(writeRowsInto(pond, t, failing(ids(1, 20), 3, false), { batchSize: 10 })).rejects.toThrow(/^source broke at item 3$/);
      expect(await pond.tableSchema(t)).toBeUndefined();
      // the same from a plain iterable
      const sync: Iterable<Row> = {
        [Symbol.iterator]: () => ({
          next: () => {
            throw new Error("sync source broke");
          },
        }),
      };
      await expect(writeRowsInto(pond, t, sync)).rejects.toThrow(/^sync source broke$/);
      expect(await pond.tableSchema(t)).toBeUndefined();
    });

    it("stops a source that fails later, drops the table it made, and leaves an existing table as it was", async () => {
      const t = table("sink_later");
      const src = failing(ids(1, 20), 15, true);
      await expect(writeRowsInto(pond, t, src, { batchSize: 10 })).rejects.toThrow(/^source broke at item 15$/);
      expect(src.returned).toBe(1);
      expect(await pond.tableSchema(t)).toBeUndefined();
      await writeRowsInto(pond, t, ids(1, 3));
      const again = failing(ids(4, 30), 15, true);
      await expect(writeRowsInto(pond, t, again, { batchSize: 10 })).rejects.toThrow(/^source broke at item 15$/);
      expect(again.returned).toBe(1);
      expect(await all(t)).toEqual(ids(1, 3));
    });

    it("gives the caller the source's error when the pond is gone by the time it drops its table", async () => {
      const t = table("sink_gone");
      const other = await openPond(c.name === "duckdb" ? ":memory:" : c.url);
      async function* stream() {
        yield* ids(1, 5);
        await other.close();
        throw new Error("boom after close");
      }
      await expect(writeRowsInto(other, t, stream(), { batchSize: 5 })).rejects.toThrow(/^boom after close$/);
    });

    it.skipIf(c.name !== "mariadb")("writes one INSERT per batch of batchSize rows", async () => {
      const statements = async (batchSize: number | undefined) => {
        const t = table("sink_batch");
        let inserts = -1;
        const count = async (tx: PondSession) => Number((await tx.query("SHOW SESSION STATUS LIKE 'Com_insert'"))[0]!.Value);
        const watched: Pond = {
          url: pond.url,
          driver: pond.driver,
          dialect: pond.dialect,
          query: (sql, params) => pond.query(sql, params),
          execute: (sql, params) => pond.execute(sql, params),
          stream: (sql, params, options) => pond.stream(sql, params, options),
          columns: (sql, params, options) => pond.columns(sql, params, options),
          insert: (table, rows, options) => pond.insert(table, rows, options),
          createTable: (table, schema, options) => pond.createTable(table, schema, options),
          ensureTable: (table, from) => pond.ensureTable(table, from),
          tableSchema: (table) => pond.tableSchema(table),
          close: () => pond.close(),
          transaction: (fn) =>
            pond.transaction(async (tx) => {
              const before = await count(tx);
              const out = await fn(tx);
              inserts = (await count(tx)) - before;
              return out;
            }),
        };
        expect(await writeRowsInto(watched, t, ids(1, 1500), batchSize === undefined ? {} : { batchSize })).toEqual({ rows: 1500, created: true });
        expect(await pond.query(`SELECT COUNT(*) AS n, SUM(id) AS s FROM ${t}`)).toEqual([{ n: 1500, s: (1500 * 1501) / 2 }]);
        return inserts;
      };
      expect(await statements(1500)).toBe(1);
      expect(await statements(600)).toBe(3);
      expect(await statements(undefined)).toBe(2);
    });
  });
}
