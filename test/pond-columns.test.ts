/**
 * A query's result as columns (`pond.columns`, what `ctx.pond.columns` hands a worker), on
 * every pond driver: the same values as the query's rows, NULLs marked, across many of
 * DuckDB's 2,048-row chunks. Then through the whole path: the callback service writes the
 * columns to the land as an Arrow file and a worker's method reads them by reference.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemoteCallError } from "../src/client/errors.js";
import { Land } from "../src/land/land.js";
import { isText, textAt, type ResultColumn } from "../src/common/columns.js";
import { openPond, type Pond, type Row } from "../src/pond/index.js";
import { serveCallback, type CallbackServer } from "../src/proto/callback-server.js";
import { servePondColumns } from "../src/run/pond-io.js";
import type { CallContext } from "../src/worker/types.js";
import { pondCases, usePond } from "./pond-drivers.js";
import { PYTHON, pythonReady, startWorker, warnPythonSkipped, type RunningWorker } from "./worker-fixtures/helpers.js";
import { serveForTest, type TestWorker } from "./worker-fixtures/in-process.js";

/** Row `r` of a column: its number, or its text as a string. */
function at(column: ResultColumn, r: number): unknown {
  return isText(column.values) ? textAt(column.values, r) : column.values[r];
}

const cases = await pondCases("test/pond-columns.test.ts");
const ROWS = 5_000;

/** Row i of the table: every third amount NULL, every fifth label NULL. */
function row(i: number): Row {
  return {
    id: i,
    amount: i % 3 === 0 ? null : i * 0.5,
    label: i % 5 === 0 ? null : `r${i}é`,
    ok: i % 2 === 0,
  };
}

function isValid(bits: Uint8Array | undefined, i: number): boolean {
  return bits === undefined || ((bits[i >> 3]! >> (i & 7)) & 1) === 1;
}

for (const c of cases) {
  describe.skipIf(!c.available)(`pond.columns: ${c.name}`, () => {
    let pond: Pond;
    const { table } = usePond(c, (p) => (pond = p));

    it("gives the query's values column by column, in its order, NULLs marked", async () => {
      const t = table("cols");
      await pond.createTable(t, [
        { name: "id", type: "int" },
        { name: "amount", type: "float" },
        { name: "label", type: "string" },
        { name: "ok", type: "bool" },
      ]);
      await pond.insert(
        t,
        Array.from({ length: ROWS }, (_, i) => row(i)),
      );
      const result = await pond.columns(`SELECT id, amount, label, ok FROM ${t} WHERE id >= :from ORDER BY id`, { from: 1 });
      expect(result.rows).toBe(ROWS - 1);
      expect(result.columns.map((col) => col.name)).toEqual(["id", "amount", "label", "ok"]);
      const [id, amount, label, ok] = result.columns;
      // DuckDB's own types; other drivers' rows become float64, text and bool
      expect(id!.kind).toBe(c.name === "duckdb" ? "int64" : "float64");
      expect(amount!.kind).toBe("float64");
      expect(label!.kind).toBe("utf8");
      expect(ok!.kind).toBe("bool");
      expect(amount!.nullCount).toBe(Math.floor((ROWS - 1) / 3));
      expect(label!.nullCount).toBe(Math.floor((ROWS - 1) / 5));
      expect(id!.nullCount).toBe(0);
      expect(id!.valid).toBeUndefined();
      for (let r = 0; r < result.rows; r++) {
        const want = row(r + 1);
        expect(Number(at(id!, r))).toBe(want.id);
        expect(isValid(amount!.valid, r) ? at(amount!, r) : null).toBe(want.amount);
        expect(isValid(label!.valid, r) ? at(label!, r) : null).toBe(want.label);
        expect(at(ok!, r)).toBe(want.ok ? 1 : 0);
      }
    });

    it("an empty result has no rows; bad SQL fails as a query of the pond", async () => {
      const t = table("empty");
      await pond.createTable(t, [{ name: "x", type: "float" }]);
      const empty = await pond.columns(`SELECT x FROM ${t}`);
      expect(empty.rows).toBe(0);
      await expect(pond.columns("SELEC 1")).rejects.toThrow(/SELEC 1/);
    });

    it("a signal already fired stops the query before it starts", async () => {
      const controller = new AbortController();
      controller.abort(new Error("stop"));
      await expect(pond.columns("SELECT 1 AS one", {}, { signal: controller.signal })).rejects.toThrow(/cancel/i);
    });
  });
}

describe("pond.columns on DuckDB: its own column types", () => {
  let pond: Pond;
  const dir = mkdtempSync(join(tmpdir(), "qb-pond-cols-"));
  beforeAll(async () => {
    pond = await openPond(join(dir, "pond.duckdb"));
  });
  afterAll(async () => {
    await pond.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps integers, floats, dates, timestamps and decimals typed, and anything else as text", async () => {
    const r = await pond.columns(
      `SELECT i::TINYINT AS i8, i::SMALLINT AS i16, i::INTEGER AS i32, i::BIGINT AS i64, i::UINTEGER AS u32,
              i::FLOAT AS f32, (i / 4)::DOUBLE AS f64, (i / 4)::DECIMAL(10, 2) AS dec,
              DATE '1970-01-01' + i::INTEGER AS day, TIMESTAMP '1970-01-01 00:00:00' + INTERVAL (i) SECOND AS at,
              [i, i] AS list, CASE WHEN i % 2 = 0 THEN NULL ELSE i END::INTEGER AS half,
              CASE WHEN i % 7 = 0 THEN NULL ELSE repeat('ab', (i % 20)::INTEGER) || 'ü' END AS text,
              i % 3 = 0 AS flag, i::UBIGINT AS u64
       FROM range(0, 100) t(i) ORDER BY i`,
    );
    expect(r.rows).toBe(100);
    const by = Object.fromEntries(r.columns.map((c) => [c.name, c]));
    expect(Object.fromEntries(r.columns.map((c) => [c.name, c.kind]))).toEqual({
      i8: "int8",
      i16: "int16",
      i32: "int32",
      i64: "int64",
      u32: "uint32",
      f32: "float32",
      f64: "float64",
      dec: "float64",
      day: "date",
      at: "timestamp",
      list: "utf8",
      half: "int32",
      text: "utf8",
      flag: "bool",
      u64: "uint64",
    });
    expect(by.i8!.values).toBeInstanceOf(Int8Array);
    expect(at(by.i64!, 99)).toBe(99n);
    expect(at(by.f64!, 3)).toBe(0.75);
    expect(at(by.dec!, 3)).toBe(0.75);
    expect(at(by.day!, 10)).toBe(10);
    expect(at(by.at!, 10)).toBe(10_000_000n);
    expect(at(by.list!, 2)).toBe("[2, 2]");
    expect(by.half!.nullCount).toBe(50);
    expect([isValid(by.half!.valid, 0), isValid(by.half!.valid, 1), at(by.half!, 1)]).toEqual([false, true, 1]);
    // text of every length: inline in DuckDB's string_t up to 12 bytes, behind a pointer beyond
    for (let i = 0; i < 100; i++) {
      expect(isValid(by.text!.valid, i) ? at(by.text!, i) : null).toBe(i % 7 === 0 ? null : `${"ab".repeat(i % 20)}ü`);
      expect(at(by.flag!, i)).toBe(i % 3 === 0 ? 1 : 0);
    }
    expect(by.text!.nullCount).toBe(15);
    expect(by.u64!.values).toBeInstanceOf(BigUint64Array);
    expect(at(by.u64!, 42)).toBe(42n);
  });
});

describe("ctx.pond.columns in a worker, through the callback service and the land", () => {
  const dir = mkdtempSync(join(tmpdir(), "qb-pond-cols-e2e-"));
  const land = join(dir, "land");
  let pond: Pond;
  let callback: CallbackServer;
  let worker: TestWorker;
  let landless: TestWorker;
  let python: RunningWorker | undefined;
  const methods = {
    scan: async (input: { sql: string; params?: Record<string, unknown> }, ctx: CallContext) => {
      const r = await ctx.pond.columns(input.sql, input.params);
      const x = r.columns.x as Float64Array;
      return {
        rows: r.rows,
        kinds: r.kinds,
        sum: x.reduce((a, b) => a + b, 0),
        isFloat64Array: x instanceof Float64Array,
        firstNames: (r.columns.name as Array<string | null>).slice(0, 3),
        nullRows: Object.keys(r.valid),
        file: { path: r.file.path, mediaType: r.file.mediaType },
      };
    },
  };
  beforeAll(async () => {
    pond = await openPond(join(dir, "pond.duckdb"));
    await pond.execute("CREATE TABLE pts AS SELECT i::DOUBLE AS x, CASE WHEN i = 1 THEN NULL ELSE 'p' || i END AS name FROM range(0, 10000) t(i)");
    mkdirSync(land);
    callback = await serveCallback({
      report: () => ({ runCancelled: false }),
      pondColumns: (q, signal) => servePondColumns(pond, new Land(land), q, signal),
    });
    worker = await serveForTest(methods, { callback: callback.address, land });
    landless = await serveForTest(methods, { callback: callback.address, land: null as unknown as string });
    if (pythonReady) python = await startWorker(`${PYTHON} test/worker-fixtures/python_held_worker.py`, { QB_CALLBACK: callback.address, QB_LAND: land });
    else warnPythonSkipped("ctx.pond.columns in Python (test/pond-columns.test.ts)");
  });
  afterAll(async () => {
    await worker?.close();
    await landless?.close();
    await python?.stop();
    await callback?.close();
    await pond?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("hands the method typed arrays read from an Arrow file the quarterback wrote on the land", async () => {
    const out = (await worker.client.invoke("scan", { sql: "SELECT x, name FROM pts WHERE x < :n ORDER BY x", params: { n: 5000 } })) as Record<
      string,
      unknown
    >;
    expect(out).toEqual({
      rows: 5000,
      kinds: { x: "float64", name: "utf8" },
      sum: (4999 * 5000) / 2,
      isFloat64Array: true,
      firstNames: ["p0", null, "p2"],
      nullRows: ["name"],
      file: { path: expect.stringMatching(/^pond\/columns-[0-9a-f-]+\.arrow$/), mediaType: "application/vnd.apache.arrow.file" },
    });
    // made for that query alone: the worker removed it once read
    expect(existsSync(join(land, (out.file as { path: string }).path))).toBe(false);
    expect(existsSync(join(land, "pond"))).toBe(true);
  });

  it("bad SQL and two columns of one name fail the call as not retryable, saying why", async () => {
    const bad = await worker.client.invoke("scan", { sql: "SELEC x FROM pts" }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(RemoteCallError);
    expect((bad as RemoteCallError).retryable).toBe(false);
    expect((bad as RemoteCallError).message).toMatch(/pond query failed.*SELEC/s);
    const twice = await worker.client.invoke("scan", { sql: "SELECT x, x FROM pts" }).catch((e: unknown) => e);
    expect((twice as RemoteCallError).message).toMatch(/two columns are named "x".*AS/);
    expect((twice as RemoteCallError).retryable).toBe(false);
  });

  it("a worker without a land is told that the columns need one", async () => {
    const e = await landless.client.invoke("scan", { sql: "SELECT x FROM pts" }).catch((x: unknown) => x);
    expect((e as RemoteCallError).message).toMatch(/no land \(QB_LAND\)/);
    expect((e as RemoteCallError).retryable).toBe(false);
  });

  it.skipIf(!pythonReady)("Python: call.pond_columns reads the same file into numpy arrays", async () => {
    const out = await python!.client.invoke("columns", { sql: "SELECT x, name FROM pts WHERE x < :n ORDER BY x", params: { n: 5000 } });
    expect(out).toEqual({
      rows: 5000,
      kinds: { x: "float64", name: "utf8" },
      sum: (4999 * 5000) / 2,
      dtype: "float64",
      names: ["p0", null, "p2"],
      valid_name: [1, 0, 1],
      path: expect.stringMatching(/^pond\/columns-[0-9a-f-]+\.arrow$/),
    });
    expect(existsSync(join(land, (out as { path: string }).path))).toBe(false);
    const bad = await python!.client.invoke("columns", { sql: "SELEC 1" }).catch((e: unknown) => e);
    expect((bad as RemoteCallError).message).toMatch(/pond query failed.*SELEC/s);
    expect((bad as RemoteCallError).retryable).toBe(false);
  });
});
