/**
 * "Bound, never spliced" on a MySQL-wire pond, checked where the server can tell: a value
 * spliced into the SQL text by mysql2's client-side formatter (`query(sql, values)`) and
 * the same value sent with a server-side prepared statement (`execute`) give the same rows
 * in the ordinary case, so the other pond tests cannot tell them apart. These can:
 *
 * - the server's own counters, `Com_stmt_prepare` and `Com_stmt_execute` of the session
 *   (`SHOW SESSION STATUS`, read on the transaction's one connection), go up once per
 *   statement with parameters, on every path: query, execute, stream, insert;
 * - under `sql_mode = NO_BACKSLASH_ESCAPES` a backslash is an ordinary character, and the
 *   formatter, which always escapes `\` as `\\`, would store two of them; a bound value
 *   keeps its one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPond, type Pond, type PondSession } from "../src/pond/index.js";
import { pondCases, uniqueTable } from "./pond-drivers.js";

const mariadb = (await pondCases("test/pond-bound-params.test.ts")).find((c) => c.name === "mariadb")!;

/** The session's statement counters, read with the text protocol (which counts as neither). */
async function counters(tx: PondSession): Promise<{ prepare: number; execute: number }> {
  const rows = await tx.query("SHOW SESSION STATUS WHERE Variable_name IN ('Com_stmt_prepare', 'Com_stmt_execute')");
  const value = (name: string) => Number(rows.find((r) => String(r.Variable_name).toLowerCase() === name.toLowerCase())?.Value);
  return { prepare: value("Com_stmt_prepare"), execute: value("Com_stmt_execute") };
}

describe.skipIf(!mariadb.available)("parameters are bound by the server, never spliced: mariadb", () => {
  let pond: Pond;
  const t = uniqueTable("qb_bound");
  beforeAll(async () => {
    pond = await openPond(mariadb.url);
    await pond.createTable(t, [
      { name: "id", type: "int" },
      { name: "label", type: "string" },
    ]);
  });
  afterAll(async () => {
    await pond?.execute(`DROP TABLE IF EXISTS ${t}`);
    await pond?.close();
  });

  /** Runs `step` in a transaction (one connection) and returns its result and how far the counters moved. */
  async function counted<T>(step: (tx: PondSession) => Promise<T>): Promise<{ result: T; prepared: number; executed: number }> {
    return pond.transaction(async (tx) => {
      const before = await counters(tx);
      const result = await step(tx);
      const after = await counters(tx);
      return { result, prepared: after.prepare - before.prepare, executed: after.execute - before.execute };
    });
  }

  it("reads its counters, and a statement without parameters moves neither", async () => {
    const r = await counted((tx) => tx.query("SELECT 1 AS one"));
    expect(r.result).toEqual([{ one: 1 }]);
    expect(r).toMatchObject({ prepared: 0, executed: 0 });
  });

  it("query with :name parameters runs as a prepared statement", async () => {
    const r = await counted((tx) => tx.query("SELECT :a AS a, :b AS b", { a: "x'; DROP TABLE t; --", b: 7 }));
    expect(r.result).toEqual([{ a: "x'; DROP TABLE t; --", b: 7 }]);
    expect(r.prepared).toBe(1);
    expect(r.executed).toBe(1);
  });

  it("execute with ? parameters runs as a prepared statement", async () => {
    const r = await counted((tx) => tx.execute(`INSERT INTO ${t} (id, label) VALUES (?, ?)`, [1, "one"]));
    expect(r.result).toBe(1);
    expect(r.executed).toBe(1);
  });

  it("stream with parameters runs as a prepared statement", async () => {
    const r = await counted(async (tx) => {
      const rows: unknown[] = [];
      for await (const batch of tx.stream("SELECT :v AS v", { v: "streamed" }, { batchSize: 10 })) rows.push(...batch);
      return rows;
    });
    expect(r.result).toEqual([{ v: "streamed" }]);
    expect(r.executed).toBe(1);
  });

  it("insert sends its values as prepared-statement parameters", async () => {
    const r = await counted((tx) =>
      tx.insert(t, [
        { id: 2, label: "two" },
        { id: 3, label: "three" },
      ]),
    );
    expect(r.result).toBe(2);
    expect(r.executed).toBeGreaterThanOrEqual(1);
  });

  it("a backslash stays one backslash under NO_BACKSLASH_ESCAPES (spliced text would double it)", async () => {
    const value = String.raw`back\slash 'quoted' \' end\\`;
    const back = await pond.transaction(async (tx) => {
      await tx.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')");
      try {
        await tx.execute(`INSERT INTO ${t} (id, label) VALUES (:id, :label)`, { id: 10, label: value });
        return {
          selected: await tx.query("SELECT :v AS v, CHAR_LENGTH(:v) AS n", { v: value }),
          stored: await tx.query(`SELECT label FROM ${t} WHERE id = :id AND label = :label`, { id: 10, label: value }),
        };
      } finally {
        await tx.execute("SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
      }
    });
    expect(back.selected).toEqual([{ v: value, n: value.length }]);
    expect(back.stored).toEqual([{ label: value }]);
  });
});
