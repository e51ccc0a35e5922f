/**
 * Inserts keep every value, on both ponds: a NULL in a batch's first row does not blank
 * the column for the rest of the batch, and a value that does not fit its column fails
 * (naming table, column and row) instead of being rounded on one pond and cut on the other.
 */
import { describe, expect, it } from "vitest";
import { writeRowsInto, PondSchemaError, type Pond, type Row } from "../src/pond/index.js";
import { pondCases, usePond } from "./pond-drivers.js";

const cases = await pondCases("test/audit-pond-insert.test.ts");

for (const c of cases) {
  describe.skipIf(!c.available)(`inserts keep every value: ${c.name}`, () => {
    let pond: Pond;
    const { table } = usePond(c, (p) => (pond = p));

    it("keeps the values of a column whose first row in the batch is NULL or missing", async () => {
      const t = table("audit_pond_nullfirst");
      await pond.createTable(t, [
        { name: "id", type: "int" },
        { name: "a", type: "int" },
        { name: "s", type: "string" },
        { name: "f", type: "float" },
        { name: "j", type: "json" },
      ]);
      await pond.insert(t, [{ id: 1, a: null, s: null, f: null, j: null }, { id: 2, a: 5, s: "x", f: 1.5, j: { k: [1] } }, { id: 3 }, { id: 4, s: "only s" }]);
      expect(await pond.query(`SELECT * FROM ${t} ORDER BY id`)).toEqual([
        { id: 1, a: null, s: null, f: null, j: null },
        { id: 2, a: 5, s: "x", f: 1.5, j: { k: [1] } },
        { id: 3, a: null, s: null, f: null, j: null },
        { id: 4, a: null, s: "only s", f: null, j: null },
      ]);
    });

    it("the flow sink keeps a value that follows a NULL", async () => {
      const t = table("audit_pond_sinknull");
      expect(await writeRowsInto(pond, t, [{ a: null }, { a: 5 }, { a: 6 }])).toEqual({ rows: 3, created: true });
      expect(await pond.query(`SELECT a FROM ${t} ORDER BY COALESCE(a, -1)`)).toEqual([{ a: null }, { a: 5 }, { a: 6 }]);
    });

    it("refuses a fractional number for an int column, naming table, column and row, and writes nothing", async () => {
      const t = table("audit_pond_intfrac");
      // the column is inferred as int from the first batch; the fraction comes later
      const rows: Row[] = [...Array.from({ length: 600 }, (_, i) => ({ a: i })), { a: 2.5 }];
      const err = await writeRowsInto(pond, t, rows, { batchSize: 500 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PondSchemaError);
      expect((err as Error).message).toContain(t);
      expect((err as Error).message).toMatch(/column a/);
      expect((err as Error).message).toContain("2.5");
      expect((err as Error).message).toMatch(/row 101\b/);
      expect(await pond.tableSchema(t)).toBeUndefined();
    });

    it("refuses text that is not a whole number for an int column, and takes one that is", async () => {
      const t = table("audit_pond_inttext");
      await pond.createTable(t, [{ name: "n", type: "int" }]);
      for (const bad of ["2.5", "2.7", "x"]) {
        const err = await pond.insert(t, [{ n: 1 }, { n: bad }]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PondSchemaError);
        expect((err as Error).message).toContain(`column n: ${JSON.stringify(bad)} is not an int`);
      }
      await pond.insert(t, [{ n: "42" }, { n: " -7 " }]);
      expect(await pond.query(`SELECT n FROM ${t} ORDER BY n`)).toEqual([{ n: -7 }, { n: 42 }]);
    });
  });
}
