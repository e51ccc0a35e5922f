/**
 * A CSV file gets the same column types, and so the same rows, on either pond. DuckDB's
 * reader decides them on a DuckDB pond; a MySQL-wire pond infers them in Node, which must
 * decide alike (before, MariaDB cut leading zeros and a leading +, took "t"/"f" as text,
 * failed on an impossible date and on an integer past 64 bits, and typed ISO text with a
 * zone as a timestamp that DuckDB keeps as text).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { syncTable, type Pond } from "../src/pond/index.js";
import { pondCases, usePond } from "./pond-drivers.js";

const cases = await pondCases("test/audit-pond-csv-types.test.ts");
const tmp = mkdtempSync(join(tmpdir(), "qb-audit-types-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CSV = [
  "id,zip,signed,flag,day,iso,big,at",
  "1,007,+4,t,2026-02-30,2026-01-21T10:11:12Z,99999999999999999999,2026-01-21 10:11",
  "2,010,5,F,2026-01-01,2026-01-21T10:11:13+02:00,1,2026-01-21 10:12:30.5",
].join("\n");

for (const c of cases) {
  describe.skipIf(!c.available)(`CSV types on ${c.name}`, () => {
    let pond: Pond;
    const { table } = usePond(c, (p) => (pond = p));

    it("types every column as DuckDB's reader does, and loads the same values", async () => {
      const from = join(tmp, `types-${c.name}.csv`);
      writeFileSync(from, CSV + "\n");
      const t = table("audit_pond_types");
      await syncTable(pond, { from, table: t });
      expect(await pond.tableSchema(t)).toEqual([
        { name: "id", type: "int" },
        { name: "zip", type: "string" },
        { name: "signed", type: "string" },
        { name: "flag", type: "bool" },
        { name: "day", type: "string" },
        { name: "iso", type: "string" },
        { name: "big", type: "float" },
        { name: "at", type: "timestamp" },
      ]);
      expect(await pond.query(`SELECT * FROM ${t} ORDER BY id`)).toEqual([
        { id: 1, zip: "007", signed: "+4", flag: true, day: "2026-02-30", iso: "2026-01-21T10:11:12Z", big: 1e20, at: "2026-01-21 10:11:00" },
        { id: 2, zip: "010", signed: "5", flag: false, day: "2026-01-01", iso: "2026-01-21T10:11:13+02:00", big: 1, at: "2026-01-21 10:12:30.5" },
      ]);
    });
  });
}
