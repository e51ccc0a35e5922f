/**
 * Flows that read and write the pond: rows as items, bound parameters (never spliced),
 * `into pond.table` created and filled in one transaction, generations recorded and pinned.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { startQb } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-run-pond-"));
const pond = join(dir, "p.duckdb");
const SALES = join(ROOT, "..", "shared", "acceptance", "lake", "sales.csv");

function qb(...args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, "bin/qb.js"), ...args], { cwd: ROOT, encoding: "utf8" });
}
function flowFile(name: string, body: string, header = "()"): string {
  const path = join(dir, `${name}.flow`);
  writeFileSync(path, `flow ${name}${header} {\n  worker chaos { run "node ${ROOT}/test/workers/chaos.js" }\n${body}\n}\n`);
  return path;
}
async function run(args: string[]): Promise<{ code: number | null; result?: Record<string, any[]>; runDir?: string; stderr: string }> {
  const r = startQb(["run", "--json", "--pond", pond, ...args]);
  const { code } = await r.exit;
  const last = r.events.find((e) => e.type === "result") as { result: Record<string, any[]>; runDir: string } | undefined;
  return { code, stderr: r.stderr, ...(last ? { result: last.result, runDir: last.runDir } : {}) };
}

describe("pond in a flow", () => {
  qb("pond", "sync", "--from", SALES, "--table", "sales", "--key", "id", "--pond", pond);

  it("makes one item per row, writes a table, and records the generation it read", async () => {
    const f = flowFile(
      "regions",
      '  regions = pond("SELECT region, count(*) AS n FROM sales GROUP BY region ORDER BY region")\n  echoed = regions | chaos.echo ordered\n  into pond.table("regions_out") echoed\n  emit echoed',
    );
    const r = await run([f]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.result!.echoed!.map((x) => x.region)).toEqual(["central", "coast", "east", "islands", "mountains", "north", "south", "west"]);
    expect(r.result!.echoed!.reduce((a, x) => a + Number(x.n), 0)).toBe(120000);
    const table = JSON.parse(qb("pond", "query", "SELECT region, n FROM regions_out ORDER BY region", "--json", "--pond", pond)) as
      { rows: Array<{ region: string; n: number }> } | Array<{ region: string; n: number }>;
    const rows = Array.isArray(table) ? table : table.rows;
    expect(rows.map((x) => x.region)).toEqual(r.result!.echoed!.map((x) => x.region));
    const gens = JSON.parse(readFileSync(join(r.runDir!, "generations.json"), "utf8")) as Record<string, { generation: number }>;
    expect(Object.keys(gens)).toEqual(["sales"]);
    expect(gens.sales!.generation).toBe(1);
  });

  it("binds a hostile param as data", async () => {
    const f = flowFile(
      "hostile",
      '  bad = pond("SELECT count(*) AS n FROM sales WHERE region = :r", {r: region})\n  emit bad',
      '(region: string = "x\'; DROP TABLE sales; --")',
    );
    const r = await run([f]);
    expect(r.code).toBe(0);
    expect(Number(r.result!.bad![0].n)).toBe(0);
    const still = await run([f, "--param", "region=north"]);
    expect(Number(still.result!.bad![0].n)).toBe(15234);
  });

  it("leaves nothing in the table when the run fails midway", async () => {
    const f = flowFile(
      "halfway",
      '  xs = range(5000)\n  into pond.table("halfway") xs\n  ys = xs | chaos.wait(id: item, ms: 0, fail_after: 200) parallel 1\n  emit ys',
    );
    const r = await run([f]);
    expect(r.code).toBe(1);
    const out = qb("pond", "query", "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'halfway'", "--json", "--pond", pond);
    const parsed = JSON.parse(out) as any;
    const rows = Array.isArray(parsed) ? parsed : parsed.rows;
    expect(Number(rows[0].n)).toBe(0);
  });

  it("--generation pins a run: refused once the table was synced again", async () => {
    const f = flowFile("pinned", '  n = pond("SELECT count(*) AS n FROM sales")\n  emit n');
    expect((await run([f, "--generation", "1"])).code).toBe(0);
    qb("pond", "sync", "--from", SALES, "--table", "sales", "--key", "id", "--pond", pond);
    const r = await run([f, "--generation", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("table `sales` was synced again since (it is at generation 2)");
    expect((await run([f, "--generation", "2"])).code).toBe(0);
  });
});
