/**
 * `into pond.table` modes on both ponds: append adds, replace makes the new rows the only
 * ones (and an empty stream empties the table), upsert replaces rows by key (NULL-safe,
 * the last new row of a key winning, across batches too); a failure leaves the table as it
 * was; a run's write is recorded in qb_writes.
 */
import { describe, expect, it } from "vitest";
import { WRITES_TABLE, writeRowsInto, type Pond, type Row } from "../src/pond/index.js";
import { pondCases, usePond } from "./pond-drivers.js";

const cases = await pondCases("test/pond-sink-modes.test.ts");

async function* broken(rows: Row[]): AsyncGenerator<Row> {
  yield* rows;
  throw new Error("the step failed");
}

for (const c of cases) {
  describe.skipIf(!c.available)(`into pond.table modes: ${c.name}`, () => {
    let pond: Pond;
    const { table } = usePond(c, (p) => (pond = p));
    const all = (t: string): Promise<Row[]> => pond.query(`SELECT k, n, v FROM ${t} ORDER BY k, n`);

    it("append adds; replace leaves only the new rows, and empties the table on an empty stream", async () => {
      const t = table("modes_replace");
      await writeRowsInto(pond, t, [{ k: "a", n: 1, v: "x" }]);
      await writeRowsInto(pond, t, [{ k: "b", n: 1, v: "y" }], { mode: "append" });
      expect(await all(t)).toHaveLength(2);
      expect(await writeRowsInto(pond, t, [{ k: "c", n: 2, v: "z" }], { mode: "replace" })).toEqual({ rows: 1, created: false });
      expect(await all(t)).toEqual([{ k: "c", n: 2, v: "z" }]);
      expect(await writeRowsInto(pond, t, [], { mode: "replace" })).toEqual({ rows: 0, created: false });
      expect(await all(t)).toEqual([]);
    });

    it("a replace that fails leaves the old rows", async () => {
      const t = table("modes_replace_fail");
      await writeRowsInto(pond, t, [{ k: "old", n: 1, v: "kept" }]);
      await expect(writeRowsInto(pond, t, broken([{ k: "new", n: 1, v: "lost" }]), { mode: "replace", batchSize: 1 })).rejects.toThrow("the step failed");
      expect(await all(t)).toEqual([{ k: "old", n: 1, v: "kept" }]);
    });

    it("upsert by key replaces rows with an equal key (NULL equal to NULL), the last new row of a key winning, across batches", async () => {
      const t = table("modes_upsert");
      await writeRowsInto(pond, t, [
        { k: "a", n: 1, v: "a1" },
        { k: "a", n: 2, v: "a2" },
        { k: null, n: 3, v: "null3" },
        { k: "b", n: 1, v: "b1" },
      ]);
      const rows: Row[] = [
        { k: "a", n: 1, v: "a1 new" },
        { k: null, n: 3, v: "null3 new" },
        { k: "c", n: 1, v: "c1" },
        { k: "a", n: 1, v: "a1 newest" },
        { k: "c", n: 1, v: "c1 again" },
      ];
      // batches of 2: the second `a 1` and `c 1` come in later batches than the first
      expect(await writeRowsInto(pond, t, rows, { mode: "upsert", key: ["k", "n"], batchSize: 2 })).toEqual({ rows: 5, created: false });
      expect(await all(t)).toEqual([
        { k: null, n: 3, v: "null3 new" },
        { k: "a", n: 1, v: "a1 newest" },
        { k: "a", n: 2, v: "a2" },
        { k: "b", n: 1, v: "b1" },
        { k: "c", n: 1, v: "c1 again" },
      ]);
      // within one batch the last row of a key wins too
      await writeRowsInto(
        pond,
        t,
        [
          { k: "b", n: 1, v: "first" },
          { k: "b", n: 1, v: "last" },
        ],
        { mode: "upsert", key: ["k", "n"] },
      );
      expect((await all(t)).filter((r) => r.k === "b")).toEqual([{ k: "b", n: 1, v: "last" }]);
    });

    it("upsert by a column the table does not have names it and writes nothing", async () => {
      const t = table("modes_upsert_nokey");
      await writeRowsInto(pond, t, [{ k: "a", n: 1, v: "x" }]);
      await expect(writeRowsInto(pond, t, [{ k: "a", n: 1, v: "y" }], { mode: "upsert", key: ["id"] })).rejects.toThrow(
        `upsert into ${t} by id: no column id (columns: k, n, v)`,
      );
      expect(await all(t)).toEqual([{ k: "a", n: 1, v: "x" }]);
    });

    it("records a run's write in qb_writes, in the same transaction: a failed write leaves no record", async () => {
      const t = table("modes_record");
      const run = `test-run-${t}`;
      await writeRowsInto(
        pond,
        t,
        [
          { k: "a", n: 1, v: "x" },
          { k: "b", n: 1, v: "y" },
        ],
        { mode: "upsert", key: ["k"], runId: run },
      );
      await expect(writeRowsInto(pond, t, broken([{ k: "c", n: 1, v: "z" }]), { runId: `${run}-failed`, batchSize: 1 })).rejects.toThrow();
      const writes = await pond.query(`SELECT table_name, run_id, mode, row_count AS n FROM ${WRITES_TABLE} WHERE table_name = :t`, {
        t,
      });
      expect(writes).toEqual([{ table_name: t, run_id: run, mode: "upsert", n: 2 }]);
      await pond.execute(`DELETE FROM ${WRITES_TABLE} WHERE table_name = :t`, { t });
    });
  });
}
