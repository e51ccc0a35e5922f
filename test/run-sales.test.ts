/**
 * The sales scenario of ../shared/acceptance/README.md, with the embedded pond and with
 * MariaDB: lake → pond sync (a generation is recorded), `examples/sales.flow` fanned out over
 * regions with a reduce into the overall figures, equal to expected/sales.json (sum to the
 * cent, the rest to 1e-9 relative), per-region rows in a pond table, and a second sync of
 * the same file recording 0 changes.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import { ACCEPTANCE, ROOT } from "./support/examples.js";
import { startQb } from "./support/qb-process.js";
import { MYSQL_URL, pondCases } from "./pond-drivers.js";

const SALES = join(ACCEPTANCE, "lake", "sales.csv");
const EXPECTED = JSON.parse(readFileSync(join(ACCEPTANCE, "expected", "sales.json"), "utf8")) as {
  by_region: Record<string, Record<string, number>>;
  overall: Record<string, number>;
};

function qb(...args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, "bin/qb.js"), ...args], { cwd: ROOT, encoding: "utf8" });
}
function rowsOf(json: string): Array<Record<string, unknown>> {
  const v = JSON.parse(json) as unknown;
  return (Array.isArray(v) ? v : (v as { rows: Array<Record<string, unknown>> }).rows) as Array<Record<string, unknown>>;
}
function expectFigures(got: Record<string, unknown>, want: Record<string, number>, where: string): void {
  expect(got.count, `${where} count`).toBe(want.count);
  expect(Math.abs(Number(got.sum) - want.sum!), `${where} sum`).toBeLessThan(0.005);
  for (const k of ["mean", "min", "max", "stddev"]) {
    expect(Math.abs(Number(got[k]) - want[k]!) / Math.abs(want[k]!), `${where} ${k}`).toBeLessThanOrEqual(1e-9);
  }
}

const cases = await pondCases("the sales scenario");
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  for (const c of cases) c.cleanup();
});

/** MariaDB: a database of its own, so the flow's fixed table names collide with nothing. */
async function mariadbPond(): Promise<string> {
  const db = `qb_sales_${randomBytes(4).toString("hex")}`;
  const conn = await createConnection(MYSQL_URL);
  await conn.query(`CREATE DATABASE ${db}`);
  await conn.end();
  cleanups.push(async () => {
    const c = await createConnection(MYSQL_URL);
    await c.query(`DROP DATABASE IF EXISTS ${db}`);
    await c.end();
  });
  const u = new URL(MYSQL_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

describe.each(cases)("sales with the $name pond", (c) => {
  it.skipIf(!c.available)(
    "syncs the lake, runs the flow and matches the expected figures",
    async () => {
      const pond = c.name === "mariadb" ? await mariadbPond() : c.url;
      expect(qb("pond", "sync", "--from", SALES, "--table", "sales", "--key", "id", "--pond", pond)).toContain("generation 1: table sales");
      const run = startQb(["run", "--json", "examples/sales.flow", "--pond", pond]);
      const { code } = await run.exit;
      expect(run.stderr).toBe("");
      expect(code).toBe(0);
      const result = (
        run.events.find((e) => e.type === "result") as { result: { by_region: Array<Record<string, unknown>>; overall: Array<Record<string, unknown>> } }
      ).result;
      expect(result.by_region.map((r) => r.region).sort()).toEqual(Object.keys(EXPECTED.by_region).sort());
      for (const r of result.by_region) expectFigures(r, EXPECTED.by_region[r.region as string]!, String(r.region));
      expect(result.overall).toHaveLength(1);
      expectFigures(result.overall[0]!, EXPECTED.overall, "overall");

      const table = rowsOf(qb("pond", "query", "SELECT region, count, sum FROM sales_by_region ORDER BY region", "--json", "--pond", pond));
      expect(table.map((r) => r.region)).toEqual(Object.keys(EXPECTED.by_region).sort());
      for (const r of table) expect(Math.abs(Number(r.sum) - EXPECTED.by_region[r.region as string]!.sum!)).toBeLessThan(0.005);

      const started = run.events.find((e) => e.type === "result") as { runDir: string };
      expect(JSON.parse(readFileSync(join(started.runDir, "generations.json"), "utf8")).sales.generation).toBe(1);

      expect(qb("pond", "sync", "--from", SALES, "--table", "sales", "--key", "id", "--pond", pond)).toContain("generation 2: table sales from");
      const gens = rowsOf(qb("pond", "generations", "--json", "--pond", pond));
      const second = gens.find((g) => Number(g.generation) === 2)!;
      expect([Number(second.rowsAdded ?? second.rows_added), Number(second.rowsChanged ?? second.rows_changed)]).toEqual([0, 0]);
    },
    120_000,
  );
});
