/**
 * A pond query stopped by its abort signal stops in the database too (DuckDB's interrupt,
 * MySQL's KILL QUERY): a worker that cancels its call must not leave a query running and a
 * pond connection taken. Against both ponds.
 */
import { describe, expect, it } from "vitest";
import { PondCancelledError, type Pond } from "../src/pond/index.js";
import { pondCases, usePond } from "./pond-drivers.js";

const cases = await pondCases("test/pond-cancel.test.ts");

/** Runs for many seconds unless stopped (MariaDB's 30; DuckDB's far longer). */
const SLOW = { duckdb: "SELECT count(*) AS n FROM range(200000) a, range(200000) b WHERE a.range + b.range = -1", mariadb: "SELECT SLEEP(30) AS n" };

for (const c of cases) {
  describe.skipIf(!c.available)(`pond query cancellation: ${c.name}`, () => {
    let pond: Pond;
    usePond(c, (p) => (pond = p));

    it("stops a running query when its signal fires, with PondCancelledError, and the pond goes on", async () => {
      const ac = new AbortController();
      const t0 = Date.now();
      setTimeout(() => ac.abort(new Error("the worker cancelled the query")), 200);
      const err = await (async () => {
        for await (const _ of pond.stream(SLOW[c.name], undefined, { signal: ac.signal })) {
          // no batch comes before the query ends
        }
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PondCancelledError);
      expect((err as Error).message).toContain("the worker cancelled the query");
      // well under the query's own 30 s and more: it was stopped, not finished (a third of
      // that bound, so that a loaded machine does not fail it: 4.5 s was seen for 9 queries)
      expect(Date.now() - t0).toBeLessThan(10_000);
      // the pond still answers, and the query is gone from the server
      expect(await pond.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
      if (c.name === "mariadb") {
        const running = await pond.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(30)%'");
        expect(Number(running[0]!.n)).toBe(0);
      }
    });

    it("stops more queries at once than the pond has connections, the ones still waiting for a connection too", async () => {
      const ac = new AbortController();
      const t0 = Date.now();
      setTimeout(() => ac.abort(new Error("cancelled")), 300);
      const ends = await Promise.all(
        Array.from({ length: 9 }, async () => {
          try {
            for await (const _ of pond.stream(SLOW[c.name], undefined, { signal: ac.signal })) {
              // nothing comes
            }
            return "finished";
          } catch (e) {
            return e instanceof PondCancelledError ? "cancelled" : String(e);
          }
        }),
      );
      expect(ends).toEqual(Array(9).fill("cancelled"));
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(await pond.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    });

    it("refuses to start a query whose signal already fired", async () => {
      const ac = new AbortController();
      ac.abort(new Error("too late"));
      const err = await (async () => {
        for await (const _ of pond.stream("SELECT 1 AS one", undefined, { signal: ac.signal })) {
          // nothing
        }
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PondCancelledError);
    });
  });
}
