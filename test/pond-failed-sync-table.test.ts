/**
 * A first sync into a MySQL-wire pond creates its table before its transaction (DDL
 * commits there); when it fails it drops that table, but never one that holds rows: a
 * second sync may have committed into it meanwhile.
 */
import { describe, expect, it } from "vitest";
import { dropIfEmpty } from "../src/pond/lake/sync.js";
import { type Pond } from "../src/pond/index.js";
import { pondCases, usePond } from "./pond-drivers.js";

const cases = await pondCases("test/pond-failed-sync-table.test.ts");

for (const c of cases) {
  describe.skipIf(!c.available)(`a failed first sync's table: ${c.name}`, () => {
    let pond: Pond;
    const { table } = usePond(c, (p) => (pond = p));

    it("goes when it is empty, and stays when another sync has put rows in it", async () => {
      const empty = table("failed_empty");
      const used = table("failed_used");
      for (const t of [empty, used]) await pond.createTable(t, [{ name: "id", type: "int" }]);
      await pond.insert(used, [{ id: 1 }]);
      await dropIfEmpty(pond, empty);
      await dropIfEmpty(pond, used);
      expect(await pond.tableSchema(empty)).toBeUndefined();
      expect(await pond.query(`SELECT id FROM ${used}`)).toEqual([{ id: 1 }]);
      // a table already gone is no error
      await dropIfEmpty(pond, empty);
    });
  });
}
