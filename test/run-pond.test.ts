/**
 * Flows that read and write the pond: rows as items, bound parameters (never spliced),
 * `into pond.table` created and filled in one transaction, generations recorded and pinned.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openPond, type Pond } from "../src/pond/index.js";
import { pondCases, uniqueTable } from "./pond-drivers.js";
import { ACCEPTANCE, ROOT } from "./support/examples.js";
import { startQb } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-run-pond-"));
const pond = join(dir, "p.duckdb");
const SALES = join(ACCEPTANCE, "lake", "sales.csv");

function qb(...args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, "bin/qb.js"), ...args], { cwd: ROOT, encoding: "utf8" });
}
function flowFile(name: string, body: string, header = "()"): string {
  const path = join(dir, `${name}.flow`);
  writeFileSync(path, `flow ${name}${header} {\n  worker chaos { run "node ${ROOT}/test/workers/chaos.js" }\n${body}\n}\n`);
  return path;
}
async function run(
  args: string[],
  pondUrl = pond,
): Promise<{ code: number | null; result?: Record<string, any[]>; runDir?: string; runId?: string; stderr: string; events: Array<Record<string, unknown>> }> {
  const r = startQb(["run", "--json", "--pond", pondUrl, ...args]);
  const { code } = await r.exit;
  const last = r.events.find((e) => e.type === "result") as { result: Record<string, any[]>; runDir: string; runId: string } | undefined;
  return { code, stderr: r.stderr, events: r.events, ...(last ? { result: last.result, runDir: last.runDir, runId: last.runId } : {}) };
}
/** Opens the pond for one look between runs (a DuckDB file is one process's at a time). */
async function inPond<T>(url: string, fn: (p: Pond) => Promise<T>): Promise<T> {
  const p = await openPond(url);
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
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

  it("writes with each mode: append, replace, upsert by key; each run's write recorded in qb_writes with its id", async () => {
    const write = (mode: string, values: string): string =>
      flowFile(`modes_${mode.replace(/\W+/g, "_")}`, `  xs = ${values}\n  into pond.table("modes_out") xs ${mode}\n  emit xs`);
    const rows = (): Array<{ k: number; v: string }> => {
      const out = JSON.parse(qb("pond", "query", "SELECT k, v FROM modes_out ORDER BY k, v", "--json", "--pond", pond)) as
        { rows: Array<{ k: number; v: string }> } | Array<{ k: number; v: string }>;
      return (Array.isArray(out) ? out : out.rows).map((r) => ({ k: Number(r.k), v: r.v }));
    };
    const first = await run([write("append", '[{k: 1, v: "a"}, {k: 2, v: "b"}]')]);
    expect(first.code, first.stderr).toBe(0);
    expect((await run([write("append", '[{k: 2, v: "b2"}]')])).code).toBe(0);
    expect(rows()).toEqual([
      { k: 1, v: "a" },
      { k: 2, v: "b" },
      { k: 2, v: "b2" },
    ]);
    const upsert = await run([write("upsert by k", '[{k: 2, v: "two"}, {k: 3, v: "three"}]')]);
    expect(upsert.code, upsert.stderr).toBe(0);
    expect(rows()).toEqual([
      { k: 1, v: "a" },
      { k: 2, v: "two" },
      { k: 3, v: "three" },
    ]);
    expect((await run([write("replace", '[{k: 9, v: "only"}]')])).code).toBe(0);
    expect(rows()).toEqual([{ k: 9, v: "only" }]);
    const writes = JSON.parse(
      qb("pond", "query", "SELECT run_id, mode, row_count FROM qb_writes WHERE table_name = 'modes_out' ORDER BY written_at", "--json", "--pond", pond),
    ) as { rows: Array<{ run_id: string; mode: string; row_count: number }> } | Array<{ run_id: string; mode: string; row_count: number }>;
    const list = Array.isArray(writes) ? writes : writes.rows;
    expect(list.map((w) => [w.mode, Number(w.row_count)])).toEqual([
      ["append", 2],
      ["append", 1],
      ["upsert", 2],
      ["replace", 1],
    ]);
    expect(list[2]!.run_id).toBe(upsert.runId);
  });

  it("two runs read one pond at once and qb pond query reads it meanwhile; a run that writes it then is refused, saying by whom", async () => {
    const reader = flowFile(
      "slow_reader",
      '  rs = pond("SELECT region FROM sales GROUP BY region ORDER BY region LIMIT 2") | chaos.wait(id: 1, ms: 2500)\n  emit rs',
    );
    const writer = flowFile("writer", '  xs = [{a: 1}]\n  into pond.table("written") xs\n  emit xs');
    const one = startQb(["run", "--json", "--pond", pond, reader]);
    const two = startQb(["run", "--json", "--pond", pond, reader]);
    // both have the pond open once a call is out
    const calling = (r: typeof one): Promise<unknown> =>
      new Promise((resolve) => {
        const t = setInterval(() => r.events.some((e) => e.type === "call.started") && (clearInterval(t), resolve(undefined)), 20);
      });
    await Promise.all([calling(one), calling(two)]);
    const counted = JSON.parse(qb("pond", "query", "SELECT count(*) AS n FROM sales", "--json", "--pond", pond)) as Array<{ n: number }>;
    expect(Number(counted[0]!.n)).toBe(120000);
    const refused = await run([writer]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`pond ${pond.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is busy: process \\d+ has it open`));
    expect(refused.stderr).toContain("wait for that one to finish, or use a MySQL-wire pond");
    expect((await one.exit).code).toBe(0);
    expect((await two.exit).code).toBe(0);
    // alone again, the writer runs
    expect((await run([writer])).code).toBe(0);
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

/**
 * The sink writes `into pond.table` in batches of 500 rows (src/run/pond-io.ts) inside one
 * transaction, on a table it creates first outside the transaction (MySQL commits DDL).
 * These runs fail only after the sink has written whole batches, so what is left proves
 * both halves: a table the run created is dropped again, and rows in a table that existed
 * are rolled back.
 */
const FAIL_AT = 1200;
const cases = await pondCases("test/run-pond.test.ts");
for (const c of cases) {
  describe.skipIf(!c.available)(`a run that fails after the pond sink wrote batches: ${c.name}`, () => {
    const tables: string[] = [];
    afterAll(async () => {
      if (c.available && tables.length > 0)
        await inPond(c.url, async (p) => void (await Promise.all(tables.map((t) => p.execute(`DROP TABLE IF EXISTS ${t}`)))));
      c.cleanup();
    });

    /**
     * 5000 items into `table` and through chaos.wait: items up to FAIL_AT come back at once,
     * the next one waits a minute and times out after 2 s, failing the run.
     */
    async function failingRun(table: string): Promise<void> {
      tables.push(table);
      const f = flowFile(
        `halfway_${c.name}_${tables.length}`,
        `  xs = range(5000)\n  into pond.table("${table}") xs\n  ys = xs | chaos.wait(id: item, ms: (item - ${FAIL_AT}) * 60000) parallel 8 timeout 2s\n  emit ys`,
      );
      const r = await run([f], c.url);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`"id":${FAIL_AT + 1}`);
      expect(r.stderr).toContain("timed out after 2000 ms");
      // xs feeds the sink and ys through channels of 64: for ys to have had n items, the sink
      // must have taken n - 64, and it takes item 501 only once its first batch is inserted
      const done = r.events.filter((e) => e.type === "call.finished" && e.step === "ys").length;
      expect(done, "the run failed before the sink could have written a batch: the test proves nothing").toBeGreaterThan(1000 + 64);
    }

    it("drops the table it created", { timeout: 60_000 }, async () => {
      const t = uniqueTable("qb_halfway_new");
      await failingRun(t);
      expect(await inPond(c.url, (p) => p.tableSchema(t))).toBeUndefined();
    });

    it("rolls back every row it wrote into a table that existed", { timeout: 60_000 }, async () => {
      const t = uniqueTable("qb_halfway_old");
      await inPond(c.url, async (p) => {
        await p.createTable(t, [{ name: "value", type: "int" }]);
        await p.insert(t, [{ value: -1 }, { value: -2 }]);
      });
      await failingRun(t);
      const rows = await inPond(c.url, (p) => p.query(`SELECT value FROM ${t} ORDER BY value`));
      expect(rows).toEqual([{ value: -2 }, { value: -1 }]);
    });
  });
}
