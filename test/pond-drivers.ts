/**
 * The ponds the pond tests run against: embedded DuckDB (a file in a temp folder), and
 * MariaDB at 127.0.0.1:3306 (root, no password, database `test`; `.ci/run` starts it),
 * or QB_TEST_MYSQL_URL. When MariaDB does not answer, its half is skipped, loudly; under
 * CI=true the suite fails instead (`skipForWant`).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { openPond, type Pond } from "../src/pond/index.js";
import { skipForWant } from "./worker-fixtures/helpers.js";

export const MYSQL_URL = process.env.QB_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

export interface PondCase {
  name: "duckdb" | "mariadb";
  /** A pond URL for this test file (DuckDB: a fresh file). */
  url: string;
  available: boolean;
  cleanup(): void;
}

export function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Both ponds; MariaDB `available: false` (with a SKIPPED warning) when nothing listens, or,
 * under CI=true, an error naming MariaDB: call it at the top level of the suite's file.
 */
export async function pondCases(label: string): Promise<PondCase[]> {
  const u = new URL(MYSQL_URL);
  const up = await tcpReachable(u.hostname, Number(u.port || 3306));
  // under CI=true this throws: the suite fails rather than skip its MariaDB half
  if (!up)
    skipForWant(`MariaDB at ${u.hostname}:${u.port || 3306} (nothing answers there)`, `the MariaDB half of ${label}`, "install and start mariadb-server");
  const dir = mkdtempSync(join(tmpdir(), "qb-pond-test-"));
  return [
    { name: "duckdb", url: join(dir, "pond.duckdb"), available: true, cleanup: () => rmSync(dir, { recursive: true, force: true }) },
    { name: "mariadb", url: MYSQL_URL, available: up, cleanup: () => {} },
  ];
}

/** A table name no other test run uses. */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** Unique table names for one suite, each remembered in `tables` so the suite can drop them. */
export function tableNamer(): { table: (prefix: string) => string; tables: string[] } {
  const tables: string[] = [];
  return {
    tables,
    table: (prefix) => {
      const t = uniqueTable(prefix);
      tables.push(t);
      return t;
    },
  };
}

/**
 * A pond for the enclosing `describe`: opened before its tests (`opened` gets it; the suite
 * keeps it in a variable of its own), and after them the tables named with `table`
 * dropped (with their generations, when `generations`), the pond closed and the case's
 * files removed.
 */
export function usePond(c: PondCase, opened: (pond: Pond) => void, options: { generations?: boolean } = {}): { table: (prefix: string) => string } {
  const { table, tables } = tableNamer();
  let pond: Pond | undefined;
  beforeAll(async () => {
    pond = await openPond(c.url);
    opened(pond);
  });
  afterAll(async () => {
    if (pond) {
      for (const t of tables) await pond.execute(`DROP TABLE IF EXISTS ${t}`);
      if (options.generations && tables.length > 0) {
        await pond.execute(
          `DELETE FROM qb_generations WHERE table_name IN (${tables.map((_, i) => `:t${i}`).join(", ")})`,
          Object.fromEntries(tables.map((t, i) => [`t${i}`, t])),
        );
      }
      await pond.close();
    }
    c.cleanup();
  });
  return { table };
}
