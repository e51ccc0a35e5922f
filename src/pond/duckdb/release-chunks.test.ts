import { PerformanceObserver, constants } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import { readDuckColumns } from "./columns.js";
import { CHUNKS_PER_COLLECTION, releaseChunks } from "./release-chunks.js";

/** Minor collections V8 reports while `fn` runs (and the entries are delivered). */
async function minorCollectionsDuring(fn: () => unknown): Promise<number> {
  let minor = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
  });
  observer.observe({ entryTypes: ["gc"] });
  try {
    await fn();
    // gc entries are delivered on a later turn
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    observer.disconnect();
  }
  return minor;
}

describe("releaseChunks", () => {
  it("runs minor collections, without giving the program a gc global", async () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc === "function";
    const minor = await minorCollectionsDuring(() => {
      for (let i = 0; i < 5; i++) releaseChunks();
    });
    expect(minor).toBeGreaterThanOrEqual(5);
    expect(typeof (globalThis as { gc?: unknown }).gc === "function").toBe(hadGc);
  });

  it("runs while a DuckDB result of many chunks is read as columns, one per few chunks", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const rows = 2048 * CHUNKS_PER_COLLECTION * 20;
      let result: Awaited<ReturnType<typeof readDuckColumns>> | undefined;
      const minor = await minorCollectionsDuring(async () => {
        result = await readDuckColumns(connection, `SELECT i::BIGINT AS id, i / 2.0 AS half FROM range(0, ${rows}) t(i)`, [], []);
      });
      expect(result!.rows).toBe(rows);
      // 20 asked for; V8's own young-generation collections come on top
      expect(minor).toBeGreaterThanOrEqual(20);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
