/** `qb pond sync | generations | query` as a user runs them: real processes, exit codes, stdout, stderr. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ACCEPTANCE, ROOT } from "./support/examples.js";
import { MYSQL_URL, pondCases } from "./pond-drivers.js";

const SALES = join(ACCEPTANCE, "lake", "sales.csv");
const tmp = mkdtempSync(join(tmpdir(), "qb-pond-cli-"));
const POND = join(tmp, "pond.duckdb");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI from its sources (so a stale dist/ cannot hide a change), with QB_POND set. */
function qb(args: string[], env: Record<string, string> = { QB_POND: POND }): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("qb pond", () => {
  it("syncs sales.csv into the pond QB_POND names, then a second sync records 0 added and 0 changed", { timeout: 90_000 }, () => {
    const first = qb(["pond", "sync", "--from", "../shared/acceptance/lake/sales.csv", "--table", "sales", "--key", "id"]);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(
        `^generation 1: table sales from ${SALES} \\(upsert\\): 120000 added, 0 changed, 0 removed; 120000 rows, checksum duckdb-hash64:120000:[0-9a-f]+\\n$`,
      ),
    );
    const second = qb(["pond", "sync", "--from", SALES, "--table", "sales", "--key", "id", "--json"]);
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ generation: 2, table: "sales", rowsAdded: 0, rowsChanged: 0, rowsTotal: 120000 });

    const gens = qb(["pond", "generations", "--json"]);
    expect(gens.status).toBe(0);
    const list = JSON.parse(gens.stdout) as Array<{ generation: number; rowsAdded: number; checksum: string }>;
    expect(list.map((g) => [g.generation, g.rowsAdded])).toEqual([
      [1, 120000],
      [2, 0],
    ]);
    expect(list[0]!.checksum).toBe(list[1]!.checksum);
    const text = qb(["pond", "generations"]);
    expect(text.stdout.split("\n")[0]).toMatch(/^generation\s+synced_at\s+table\s+mode\s+added\s+changed/);
    expect(text.stdout).toContain("(2 rows)");
  });

  it("queries with bound --param values, as a table or as JSON", { timeout: 90_000 }, () => {
    const json = qb([
      "pond",
      "query",
      "SELECT region, COUNT(*) AS n FROM sales WHERE region = :region AND qty >= :q GROUP BY region",
      "--param",
      "region=east",
      "--param",
      "q=0",
      "--json",
    ]);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toEqual([{ region: "east", n: 15028 }]);
    const evil = qb(["pond", "query", "SELECT COUNT(*) AS n FROM sales WHERE region = :r", "--param", "r=x'; DROP TABLE sales; --"]);
    expect(evil.status).toBe(0);
    expect(evil.stdout).toBe("n\n-\n0\n(1 row)\n");
    const table = qb(["pond", "query", "SELECT COUNT(*) AS n FROM sales"]);
    expect(table.stdout).toBe("     n\n------\n120000\n(1 row)\n");
  });

  it("exits 2 on bad usage, naming what is wrong", { timeout: 90_000 }, () => {
    const noTable = qb(["pond", "sync", "--from", SALES]);
    expect(noTable.status).toBe(2);
    expect(noTable.stderr).toContain("--table");
    const missing = qb(["pond", "sync", "--from", "nope/*.csv", "--table", "t"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("lake source nope/*.csv: no file matches this pattern");
    const badSchema = qb(["pond", "sync", "--from", SALES, "--table", "t", "--schema", "qty:integer,amount:money"]);
    expect(badSchema.status).toBe(2);
    expect(badSchema.stderr).toContain('unknown type "money"');
    const badKey = qb(["pond", "sync", "--from", SALES, "--table", "t", "--key", "sku"]);
    expect(badKey.status).toBe(2);
    expect(badKey.stderr).toContain("--key names column sku");
    const badPond = qb(["pond", "query", "SELECT 1", "--pond", "pond.sqlite"]);
    expect(badPond.status).toBe(2);
    expect(badPond.stderr).toContain('bad pond URL "pond.sqlite"');
    const noParam = qb(["pond", "query", "SELECT :x AS x"]);
    expect(noParam.status).toBe(2);
    expect(noParam.stderr).toContain(":x");
  });

  it("exits 1 when the work fails, naming the pond, table and file", { timeout: 90_000 }, () => {
    const q = qb(["pond", "query", "SELECT * FROM no_such_table"]);
    expect(q.status).toBe(1);
    expect(q.stderr).toContain(`query failed on pond ${POND}`);
    const bad = join(tmp, "bad.csv");
    writeFileSync(bad, "id,qty\n1,1\n2,many\n");
    const s = qb(["pond", "sync", "--from", bad, "--table", "sales", "--key", "id"]);
    expect(s.status).toBe(1);
    expect(s.stderr).toContain(`sync of ${bad} into table sales of pond ${POND} failed, nothing was written`);
    expect(JSON.parse(qb(["pond", "generations", "--json"]).stdout)).toHaveLength(2);
  });
});

const mariadb = (await pondCases("test/pond-cli.test.ts")).find((c) => c.name === "mariadb")!;
describe.skipIf(!mariadb.available)("qb pond with --pond mysql://", () => {
  it("queries MariaDB with bound parameters, the password hidden in messages", { timeout: 90_000 }, () => {
    const r = qb(["pond", "query", "SELECT :a AS a, :b AS b", "--param", "a=1", "--param", "b=x'; --", "--pond", MYSQL_URL, "--json"], {});
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual([{ a: 1, b: "x'; --" }]);
    const u = new URL(MYSQL_URL);
    const withPassword = `mysql://${u.username || "root"}:secret-pw@${u.host}/no_such_database_qb`;
    const bad = qb(["pond", "query", "SELECT 1", "--pond", withPassword], {});
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("cannot open pond mysql://");
    expect(bad.stderr).not.toContain("secret-pw");
  });
});
