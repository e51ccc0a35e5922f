/**
 * A pond table into a worker (issue 17): two 2,000,000-row, 6-column tables in an embedded
 * DuckDB pond, `numbers` (id BIGINT, x, y, amount DOUBLE, product, qty INTEGER) and `sales`
 * (the sales lake's shape: id BIGINT, day DATE, region VARCHAR, product, qty INTEGER, amount
 * DOUBLE), each read by a real worker process (bench/workers/pond.js) through
 * the quarterback's callback service, three ways in the same run:
 *
 *   duckdb alone:  DuckDB's own scan of all six columns in this process (an aggregate per
 *                  column), the ceiling;
 *   columns:       ctx.pond.columns: the quarterback reads the result vector by vector,
 *                  writes one Arrow file to the land, and the worker maps it to typed arrays;
 *   json rows:     ctx.pond.stream: JSON rows in batches of 10,000, the baseline.
 *
 * Each way is timed from the call to the worker's answer (the sum of `amount`, checked
 * against DuckDB's), best of REPEATS. The land is a memory file system when /dev/shm is
 * there, as `--land` on tmpfs would be. Goal: columns at 5,000,000 rows/s or more.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { WorkerClient } from "../src/client/index.js";
import { Land } from "../src/land/land.js";
import { openPond } from "../src/pond/index.js";
import { serveCallback } from "../src/proto/callback-server.js";
import { servePondColumns, servePondQuery } from "../src/run/pond-io.js";
import { load, log, makeTemp, removeTemp, round, start, stderrTail, stop, waitForLine } from "./workers/harness.js";
import { withHugePages } from "../src/process/huge-pages.js";

const ROWS = 2_000_000;
const REPEATS = 3;
const GOAL_ROWS_PER_S = 5_000_000;
const TABLES = {
  numbers: `SELECT i::BIGINT AS id, (i % 1000) / 10.0 AS x, (i % 777) / 7.0 AS y, (1 + i % 50)::INTEGER AS product,
              (1 + i % 20)::INTEGER AS qty, ((i * 7919) % 100000) / 100.0 AS amount FROM range(0, ${ROWS}) t(i)`,
  sales: `SELECT i::BIGINT AS id, DATE '2026-01-01' + (i % 365)::INTEGER AS day,
            ['north', 'south', 'east', 'west', 'central', 'coast', 'mountains', 'islands'][1 + i % 8] AS region,
            (1 + i % 50)::INTEGER AS product, (1 + i % 20)::INTEGER AS qty, ((i * 7919) % 100000) / 100.0 AS amount
          FROM range(0, ${ROWS}) t(i)`,
};

export default async function pondScan(): Promise<Record<string, unknown>> {
  const loadBefore = load();
  const dir = makeTemp("pond-scan");
  const landParent = existsSync("/dev/shm") ? mkdtempSync("/dev/shm/qb-pond-scan-") : dir;
  const land = join(landParent, "land");
  mkdirSync(land);
  const pond = await openPond(join(dir, "pond.duckdb"));
  let worker: ChildProcess | undefined;
  let client: WorkerClient | undefined;
  const callback = await serveCallback({
    report: () => ({ runCancelled: false }),
    pondQuery: (q, signal) => servePondQuery(pond, q, signal),
    pondColumns: (q, signal) => servePondColumns(pond, new Land(land), q, signal),
  });
  try {
    worker = start(process.execPath, ["bench/workers/pond.js"], {
      env: {
        ...process.env,
        QB_LISTEN: `unix:${join(dir, "w.sock")}`,
        QB_LAND: land,
        QB_CALLBACK: callback.address,
        QB_WORKER_NAME: "pond",
        GLIBC_TUNABLES: withHugePages(process.env.GLIBC_TUNABLES),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr = stderrTail(worker);
    const line = await waitForLine(worker, (l) => l.startsWith("QB_LISTENING ")).catch((err: Error) => {
      throw new Error(`pond worker: ${err.message}\n${stderr()}`);
    });
    client = new WorkerClient(line.slice("QB_LISTENING ".length).trim());
    await client.waitForReady(10_000);
    const c = client;
    const out: Record<string, unknown> = { rows: ROWS, columns_in_table: 6, land_on: landParent === dir ? "disk" : "/dev/shm" };
    const best = (xs: number[]): number => Math.min(...xs);
    const rate = (s: number): number => Math.round(ROWS / s);
    let goalMet = true;
    for (const [table, select] of Object.entries(TABLES)) {
      await pond.execute(`CREATE TABLE ${table} AS ${select}`);
      const want = (await pond.query(`SELECT sum(amount) AS s FROM ${table}`))[0]!.s as number;
      const names = (await pond.query(`SELECT * FROM ${table} LIMIT 1`)).flatMap((r) => Object.keys(r));
      const sql = `SELECT ${names.join(", ")} FROM ${table}`;
      // DuckDB alone: every column scanned, in this process
      const alone: number[] = [];
      for (let k = 0; k < REPEATS; k++) {
        const t0 = performance.now();
        await pond.query(`SELECT ${names.map((n) => `max(${n})`).join(", ")} FROM ${table}`);
        alone.push((performance.now() - t0) / 1000);
      }
      const timed = async (method: "rows" | "columns"): Promise<number> => {
        const t0 = performance.now();
        const got = (await c.invoke(method, { sql, column: "amount" })) as { rows: number; sum: number };
        const s = (performance.now() - t0) / 1000;
        if (got.rows !== ROWS || Math.abs(got.sum - want) > 1e-6 * Math.abs(want))
          throw new Error(`${table} ${method}: ${JSON.stringify(got)}, want ${ROWS} rows summing to ${want}`);
        return s;
      };
      // warm both paths once (the worker loads apache-arrow on its first columns call)
      await c.invoke("columns", { sql: `SELECT amount FROM ${table} LIMIT 10`, column: "amount" });
      await c.invoke("rows", { sql: `SELECT amount FROM ${table} LIMIT 10`, column: "amount" });
      const columns: number[] = [];
      const rows: number[] = [];
      for (let k = 0; k < REPEATS; k++) {
        columns.push(await timed("columns"));
        rows.push(await timed("rows"));
        log("pond-scan", `${table} run ${k + 1}: columns ${round(columns[k]!, 3)} s, json rows ${round(rows[k]!, 3)} s`);
      }
      goalMet &&= rate(best(columns)) >= GOAL_ROWS_PER_S;
      Object.assign(out, {
        [`${table}_duckdb_alone_s`]: alone.map((x) => round(x, 3)),
        [`${table}_duckdb_alone_rows_per_s`]: rate(best(alone)),
        [`${table}_columns_s`]: columns.map((x) => round(x, 3)),
        [`${table}_columns_rows_per_s`]: rate(best(columns)),
        [`${table}_json_rows_s`]: rows.map((x) => round(x, 3)),
        [`${table}_json_rows_rows_per_s`]: rate(best(rows)),
        [`${table}_columns_over_json`]: round(best(rows) / best(columns), 2),
        [`${table}_duckdb_alone_over_columns`]: round(best(columns) / best(alone), 2),
      });
    }
    return { ...out, goal_rows_per_s: GOAL_ROWS_PER_S, goal_met: goalMet, load_before: loadBefore, load_after: load() };
  } finally {
    client?.close();
    if (worker) await stop(worker);
    await callback.close();
    await pond.close();
    if (landParent !== dir) rmSync(landParent, { recursive: true, force: true });
    removeTemp(dir);
  }
}
