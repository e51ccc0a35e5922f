/**
 * Figures of `amount` in the pond's sales table, the worker behind examples/sales.flow:
 *
 *   region({region, table?})  -> {region, count, sum, mean, min, max, stddev, m2}
 *                                 one region's figures, read from the pond (ctx.pond)
 *   combine({left, right})    -> the same figures for both together (what `reduce` calls)
 *
 * Sums are kept in integer cents, so they are exact; mean and population stddev are
 * combined with Chan's parallel update (m2 is the sum of squared deviations), so the
 * figures of a reduce equal those of one pass over all rows.
 *
 * Run: node examples/workers/stats.js   (the .js launcher runs this file through tsx)
 */
import { InvalidArgumentError, serveWorker, type CallContext } from "quarterback/worker";

interface Figures {
  region?: string;
  count: number;
  /** In currency units, exact to the cent. */
  sum: number;
  mean: number;
  min: number;
  max: number;
  /** Population standard deviation. */
  stddev: number;
  m2: number;
}

const TABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function finish(count: number, cents: number, mean: number, m2: number, min: number, max: number, region?: string): Figures {
  const f: Figures = { count, sum: cents / 100, mean, min, max, stddev: count ? Math.sqrt(m2 / count) : 0, m2 };
  return region === undefined ? f : { region, ...f };
}

async function region(input: { region?: unknown; table?: unknown }, ctx: CallContext): Promise<Figures> {
  if (typeof input?.region !== "string") throw new InvalidArgumentError(`region must be a string, not ${JSON.stringify(input?.region)}`);
  const table = input.table ?? "sales";
  if (typeof table !== "string" || !TABLE.test(table)) throw new InvalidArgumentError(`table must be a plain table name, not ${JSON.stringify(table)}`);
  let count = 0;
  let cents = 0;
  let mean = 0;
  let m2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for await (const rows of ctx.pond.stream(`SELECT amount FROM ${table} WHERE region = :region`, { region: input.region })) {
    for (const row of rows) {
      const x = Number(row.amount);
      if (!Number.isFinite(x)) throw new InvalidArgumentError(`amount ${JSON.stringify(row.amount)} in region ${input.region} is not a number`);
      count++;
      cents += Math.round(x * 100);
      // Welford: stable running mean and sum of squared deviations
      const d = x - mean;
      mean += d / count;
      m2 += d * (x - mean);
      if (x < min) min = x;
      if (x > max) max = x;
    }
    ctx.abortSignal.throwIfAborted();
  }
  return finish(count, cents, mean, m2, count ? min : 0, count ? max : 0, input.region);
}

function figures(v: unknown, what: string): Figures {
  const f = v as Figures;
  if (f === null || typeof f !== "object" || typeof f.count !== "number" || typeof f.m2 !== "number")
    throw new InvalidArgumentError(`${what} must be figures from region or combine`);
  return f;
}

function withoutRegion(f: Figures): Figures {
  const { region: _region, ...rest } = f;
  return rest;
}

function combine(input: { left?: unknown; right?: unknown }): Figures {
  const a = figures(input?.left, "left");
  const b = figures(input?.right, "right");
  // an empty part adds nothing (and its min/max of 0 must not count)
  if (a.count === 0) return withoutRegion(b);
  if (b.count === 0) return withoutRegion(a);
  const count = a.count + b.count;
  const d = b.mean - a.mean;
  const mean = a.mean + (d * b.count) / count;
  const m2 = a.m2 + b.m2 + (d * d * a.count * b.count) / count;
  const cents = Math.round(a.sum * 100) + Math.round(b.sum * 100);
  return finish(count, cents, mean, m2, Math.min(a.min, b.min), Math.max(a.max, b.max));
}

await serveWorker(
  {
    region: { handler: region, description: "figures of amount for one region, read from the pond" },
    combine: { handler: async (input: { left?: unknown; right?: unknown }) => combine(input), description: "figures of two parts together" },
  },
  { name: "stats", version: "0.1.0" },
);
