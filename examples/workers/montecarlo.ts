/**
 * Monte Carlo estimate of pi, the worker behind examples/pi.flow and examples/pi-sweep.flow:
 *
 *   sample({n, seed})         -> {hits, n}   hits among n random points of the unit square
 *                                            inside the quarter circle; deterministic per seed
 *   add({left, right})        -> {hits, n}   sums two partial counts (what `reduce mc.add` calls)
 *   pool({counts: [{hits, n}, ...]}) -> {hits, n}   sums a list of counts (a `group by`'s items)
 *   ratio({hits: {hits, n}, samples}) -> number   4 * hits / n, the estimate
 *
 * Run: node examples/workers/montecarlo.js   (the .js launcher runs this file through tsx)
 * The same methods, with the same results, are in python/montecarlo.py.
 */
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { InvalidArgumentError, serveWorker, type CallContext } from "quarterback/worker";
import { countHits } from "./mulberry32.js";

/** Samples between checks for cancel and progress reports. */
const CHUNK = 1 << 18;
const MAX_N = 2 ** 40;

interface Hits {
  hits: number;
  n: number;
}

function count(v: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)
    throw new InvalidArgumentError(`${what} must be a whole number from 0 to ${max}, not ${JSON.stringify(v)}`);
  return v;
}

function hitsOf(v: unknown, what: string): Hits {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new InvalidArgumentError(`${what} must be an object {hits, n}, not ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  const h = { hits: count(o.hits, `${what}.hits`), n: count(o.n, `${what}.n`) };
  if (h.hits > h.n) throw new InvalidArgumentError(`${what}: hits (${h.hits}) cannot exceed n (${h.n})`);
  return h;
}

async function sample(input: { n?: unknown; seed?: unknown }, ctx: CallContext): Promise<Hits> {
  const n = count(input?.n, "n", MAX_N);
  const seed = count(input?.seed, "seed", 0xffffffff);
  let hits = 0;
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    hits += countHits(seed, from, to);
    if (to < n) {
      ctx.progress(to / n, `${to} of ${n} samples`);
      // let cancel and deadline messages in between chunks
      await yieldToEventLoop();
      ctx.abortSignal.throwIfAborted();
    }
  }
  return { hits, n };
}

function add(input: { left?: unknown; right?: unknown }): Hits {
  const left = hitsOf(input?.left, "left");
  const right = hitsOf(input?.right, "right");
  return { hits: left.hits + right.hits, n: left.n + right.n };
}

function pool(input: { counts?: unknown }): Hits {
  const counts = input?.counts;
  if (!Array.isArray(counts)) throw new InvalidArgumentError(`counts must be a list of {hits, n}, not ${JSON.stringify(counts)}`);
  const total = { hits: 0, n: 0 };
  counts.forEach((c, i) => {
    const h = hitsOf(c, `counts[${i}]`);
    total.hits += h.hits;
    total.n += h.n;
  });
  return total;
}

function ratio(input: { hits?: unknown; samples?: unknown }): number {
  const h = hitsOf(input?.hits, "hits");
  if (h.n === 0) throw new InvalidArgumentError("hits.n is 0: no samples to estimate from");
  if (input?.samples !== undefined && input.samples !== null && count(input.samples, "samples") !== h.n) {
    throw new InvalidArgumentError(`samples is ${JSON.stringify(input.samples)} but the counts cover ${h.n}: a shard is missing or counted twice`);
  }
  return (4 * h.hits) / h.n;
}

await serveWorker(
  {
    sample: { handler: sample, description: "hits of n random points in the quarter circle, deterministic per seed" },
    add: { handler: add, description: "sum of two {hits, n}" },
    pool: { handler: pool, description: "sum of a list of {hits, n}" },
    ratio: { handler: ratio, description: "4 * hits / n" },
  },
  { name: "montecarlo", version: "0.1.0" },
);
