/**
 * How a stream stops its query when its signal fires, against a driver that records each
 * interrupt: told again while a batch is awaited (a statement that had not started yet
 * ignores the first), never while the reader holds a batch, and the connection discarded.
 */
import { describe, expect, it } from "vitest";
import { duckdbDialect } from "./duckdb/dialect.js";
import type { Driver, DriverConnection } from "./driver.js";
import { PondCancelledError } from "./errors.js";
import { pondFromDriver } from "./sql-pond.js";
import type { Row } from "./types.js";

/** One batch at once, then rows only once interrupted `ignore + 1` times (then it fails). */
function fakeDriver(ignore: number) {
  const log = { interrupts: 0, discarded: 0, released: 0 };
  let fail: ((e: Error) => void) | undefined;
  const connection: DriverConnection = {
    all: async () => [],
    run: async () => 0,
    columns: async () => [],
    interrupt() {
      log.interrupts++;
      if (log.interrupts > ignore) fail?.(new Error("INTERRUPT"));
    },
    async *batches(): AsyncGenerator<Row[], void, undefined> {
      yield [{ n: 1 }];
      await new Promise<never>((_, reject) => (fail = reject));
    },
  };
  const driver: Driver = {
    name: "duckdb",
    url: "fake",
    dialect: duckdbDialect,
    beginSql: "BEGIN",
    ddlCommits: false,
    acquire: async () => ({ connection, release: () => void log.released++, discard: () => void log.discarded++ }),
    isMissingTable: () => false,
    encode: (v) => v,
    close: async () => {},
  };
  return { pond: pondFromDriver(driver), log };
}

describe("a stream stopped by its signal", () => {
  it("tells the database again while a batch is awaited, until the statement stops", async () => {
    const { pond, log } = fakeDriver(2);
    const ac = new AbortController();
    const it = pond.stream("SELECT n FROM t", undefined, { signal: ac.signal })[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual([{ n: 1 }]);
    const pending = it.next().then(
      () => "ended",
      (e: unknown) => e,
    );
    setTimeout(() => ac.abort(new Error("stop")), 20);
    const err = await pending;
    expect(err).toBeInstanceOf(PondCancelledError);
    expect(log.interrupts).toBe(3);
    expect(log).toMatchObject({ discarded: 1, released: 0 });
  });

  it("tells it once while the reader holds a batch, fetches nothing more, and leaves no timer behind", async () => {
    const { pond, log } = fakeDriver(100);
    const ac = new AbortController();
    const it = pond.stream("SELECT n FROM t", undefined, { signal: ac.signal })[Symbol.asyncIterator]();
    await it.next();
    ac.abort(new Error("stop"));
    await new Promise((r) => setTimeout(r, 350));
    expect(log.interrupts).toBe(1);
    await expect(it.next()).rejects.toBeInstanceOf(PondCancelledError);
    await new Promise((r) => setTimeout(r, 250));
    expect(log.interrupts).toBe(1);
    expect(log.discarded).toBe(1);
  });
});
