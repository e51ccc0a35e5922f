/**
 * Awkward CSV files give the same outcome on both ponds (DuckDB reads files itself, a
 * MySQL-wire pond parses them in Node), and none is loaded wrong: a file that cannot be
 * read as written fails the sync, naming the file, with nothing written.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LakeSyncError, listGenerations, syncTable, type Pond } from "../src/pond/index.js";
import { pondCases, usePond } from "./pond-drivers.js";

const cases = await pondCases("test/audit-pond-csv.test.ts");
const tmp = mkdtempSync(join(tmpdir(), "qb-audit-csv-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fileNo = 0;
function file(content: string | Buffer, name = `f${++fileNo}.csv`): string {
  const path = join(tmp, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
  return path;
}

for (const c of cases) {
  describe.skipIf(!c.available)(`awkward CSV into ${c.name}`, () => {
    let pond: Pond;
    const { table } = usePond(c, (p) => (pond = p));

    /** The sync fails naming the file (and `why`), and leaves no table and no generation. */
    async function expectRefused(from: string, why: RegExp, named = from): Promise<void> {
      const t = table("audit_pond_csv");
      const err = await syncTable(pond, { from, table: t }).catch((e: unknown) => e);
      expect(err, `sync of ${from}`).toBeInstanceOf(LakeSyncError);
      expect((err as Error).message).toContain(named);
      expect((err as Error).message).toMatch(why);
      expect(await pond.tableSchema(t)).toBeUndefined();
      expect(await listGenerations(pond, t)).toEqual([]);
    }

    it("loads quoted commas, embedded newlines, doubled quotes, a BOM and CRLF line ends as written", async () => {
      const t = table("audit_pond_quoted");
      const from = file('\ufeffid,name,note\r\n1,"Smith, John","line1\nline2"\r\n2,plain,"q ""x"""\r\n');
      await syncTable(pond, { from, table: t });
      expect(await pond.query(`SELECT * FROM ${t} ORDER BY id`)).toEqual([
        { id: 1, name: "Smith, John", note: "line1\nline2" },
        { id: 2, name: "plain", note: 'q "x"' },
      ]);
    });

    it("refuses ragged rows instead of loading some other reading of the file", async () => {
      await expectRefused(file("id,v\n1,a\n2\n3,c,extra\n"), /.+/);
      await expectRefused(file("id,v\n1,a\n2,b,extra\n"), /.+/);
    });

    it("refuses an empty file: it has no header line", async () => {
      const from = file("");
      await expectRefused(from, /empty/);
    });

    it("refuses bytes that are not UTF-8 instead of replacing them", async () => {
      await expectRefused(file(Buffer.from("id,v\n1,caf\xe9\n", "latin1")), /UTF-8|utf-8|unicode/);
    });

    it("refuses a glob whose files have different headers, even the same names in another order", async () => {
      file("id,v\n1,a\n", "swapped/a1.csv");
      file("v,id\nb,2\n", "swapped/a2.csv");
      await expectRefused(join(tmp, "swapped", "a*.csv"), /header/, join(tmp, "swapped", "a2.csv"));
    });
  });
}
