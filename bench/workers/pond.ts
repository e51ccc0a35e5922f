/**
 * The worker of bench/pond-scan: reads a pond query two ways and sums one column, so the
 * bench can time each from the call to its answer.
 *
 *   rows {sql, column}      ctx.pond.stream: JSON rows in batches of 10,000; answers {rows, sum}
 *   columns {sql, column}   ctx.pond.columns: one Arrow file on the land, typed arrays; answers {rows, sum}
 *
 * It exits when the process that started it is gone.
 *
 * Run: node bench/workers/pond.js   (the .js launcher runs this file through tsx)
 */
import { serveWorker, type CallContext } from "quarterback/worker";

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
}, 500).unref();

interface Scan {
  sql: string;
  column: string;
}

await serveWorker({
  rows: async (input: Scan, ctx: CallContext) => {
    let rows = 0;
    let sum = 0;
    for await (const batch of ctx.pond.stream(input.sql, {}, { batchSize: 10_000 })) {
      for (const row of batch) sum += row[input.column] as number;
      rows += batch.length;
    }
    return { rows, sum };
  },
  columns: async (input: Scan, ctx: CallContext) => {
    const r = await ctx.pond.columns(input.sql);
    const values = r.columns[input.column] as Float64Array;
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i]!;
    return { rows: r.rows, sum };
  },
});
