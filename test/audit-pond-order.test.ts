/**
 * The same query gives the same rows, in the same order, on either pond: MySQL sorts
 * NULL before every value (first ascending, last descending), and so must DuckDB, whose
 * own default puts NULL last both ways. A flow's `pond("... ORDER BY x")` source depends on it.
 */
import { describe, expect, it } from "vitest";
import { type Pond } from "../src/pond/index.js";
import { pondCases, usePond } from "./pond-drivers.js";

const cases = await pondCases("test/audit-pond-order.test.ts");

for (const c of cases) {
  describe.skipIf(!c.available)(`NULLs sort as on MySQL: ${c.name}`, () => {
    let pond: Pond;
    const { table } = usePond(c, (p) => (pond = p));

    it("puts NULL first in ORDER BY ... ASC and last in DESC, on every connection", async () => {
      const t = table("audit_pond_nullorder");
      await pond.createTable(t, [{ name: "a", type: "int" }]);
      await pond.insert(t, [{ a: 2 }, { a: null }, { a: 1 }]);
      // several at once, so that more than one connection of the pond answers
      const asc = await Promise.all(Array.from({ length: 4 }, () => pond.query(`SELECT a FROM ${t} ORDER BY a`)));
      for (const rows of asc) expect(rows).toEqual([{ a: null }, { a: 1 }, { a: 2 }]);
      expect(await pond.query(`SELECT a FROM ${t} ORDER BY a DESC`)).toEqual([{ a: 2 }, { a: 1 }, { a: null }]);
      const streamed: unknown[] = [];
      for await (const batch of pond.stream(`SELECT a FROM ${t} ORDER BY a`, undefined, { batchSize: 1 })) streamed.push(...batch);
      expect(streamed).toEqual([{ a: null }, { a: 1 }, { a: 2 }]);
    });
  });
}
