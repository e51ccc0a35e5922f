/**
 * K-means with a held call per shard, the worker behind examples/kmeans.flow:
 *
 *   initial(rows)                  -> {centroids, rounds_run: 0}   from the k rows {x, y}
 *   assign({shard, pause_ms?}) held -> loads its shard from the pond once, then for every
 *                                     signal "centroids" {centroids, rounds_run} yields
 *                                     {shard, sums: [[sx, sy, n]...], changed, rounds_run,
 *                                     centroids, loads}; returns {shard, points} when the
 *                                     signal ends
 *   recenter({sums, max_rounds})   -> [] when no point changed cluster or max_rounds
 *                                     updates were made, else [{centroids, rounds_run + 1}]
 *   summary(sums)                  -> {centroids, rounds_run, shard_loads, shards}
 *
 * `pause_ms` makes every round wait that long first (for demos and tests that act mid-loop).
 *
 * `loads` counts how many times a shard was ever read from the pond: each load appends a
 * line to kmeans/loads-<shard> in the land, which every replica shares (a held call started
 * again on another replica after a crash loads its shard a second time).
 *
 * Run: node examples/workers/kmeans.js   (the .js launcher runs this file through tsx)
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { InvalidArgumentError, serveWorker, type CallContext } from "quarterback/worker";

type Point = [number, number];
type Centroids = {
  centroids: Point[];
  rounds_run: number;
};
interface Partial {
  shard: number;
  sums: Array<[number, number, number]>;
  changed: number;
  rounds_run: number;
  centroids: Point[];
  loads: number;
}

function initial(rows: Array<{ x: number; y: number }>): Centroids {
  if (!Array.isArray(rows) || rows.length === 0) throw new InvalidArgumentError("initial needs a non-empty list of {x, y} rows");
  return { centroids: rows.map((r) => [Number(r.x), Number(r.y)]), rounds_run: 0 };
}

/** Appends one line to the shard's load count in the land and gives the count. */
async function countLoad(ctx: CallContext, shard: number): Promise<number> {
  const dir = await ctx.land.resolve("kmeans");
  await mkdir(dir, { recursive: true });
  const file = await ctx.land.resolve(`kmeans/loads-${shard}`);
  await appendFile(file, `${ctx.callId}\n`);
  return (await readFile(file, "utf8")).split("\n").filter(Boolean).length;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
}

async function* assign(input: { shard?: unknown; pause_ms?: unknown }, ctx: CallContext): AsyncGenerator<Partial, { shard: number; points: number }> {
  const shard = input?.shard;
  if (typeof shard !== "number" || !Number.isInteger(shard)) throw new InvalidArgumentError(`shard must be a whole number, not ${JSON.stringify(shard)}`);
  const rows = await ctx.pond.query("SELECT x, y FROM points WHERE shard = :shard ORDER BY id", { shard });
  const n = rows.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  rows.forEach((r, i) => {
    xs[i] = Number(r.x);
    ys[i] = Number(r.y);
  });
  const loads = await countLoad(ctx, shard);
  const cluster = new Int32Array(n).fill(-1);
  for await (const s of ctx.signals<Centroids>("centroids")) {
    if (typeof input.pause_ms === "number" && input.pause_ms > 0) await pause(input.pause_ms, ctx.abortSignal);
    const cs = s.centroids as Point[];
    const k = cs.length;
    const sums: Array<[number, number, number]> = cs.map(() => [0, 0, 0]);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const x = xs[i]!;
      const y = ys[i]!;
      let best = 0;
      let bestD = Infinity;
      for (let j = 0; j < k; j++) {
        const dx = x - cs[j]![0];
        const dy = y - cs[j]![1];
        const d = dx * dx + dy * dy;
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      }
      if (cluster[i] !== best) changed++;
      cluster[i] = best;
      const acc = sums[best]!;
      acc[0] += x;
      acc[1] += y;
      acc[2] += 1;
    }
    yield { shard, sums, changed, rounds_run: s.rounds_run, centroids: cs, loads };
  }
  return { shard, points: n };
}

function recenter(input: { sums?: Partial[]; max_rounds?: number }): Centroids[] {
  const parts = input?.sums;
  if (!Array.isArray(parts) || parts.length === 0) throw new InvalidArgumentError("recenter needs the partial sums of a round");
  const maxRounds = Number(input.max_rounds ?? 50);
  const first = parts[0]!;
  const changed = parts.reduce((a, p) => a + p.changed, 0);
  if (changed === 0 || first.rounds_run >= maxRounds) return [];
  const centroids = first.centroids.map((old, j): Point => {
    let sx = 0;
    let sy = 0;
    let n = 0;
    for (const p of parts) {
      sx += p.sums[j]![0];
      sy += p.sums[j]![1];
      n += p.sums[j]![2];
    }
    // an empty cluster keeps its centroid
    return n > 0 ? [sx / n, sy / n] : old;
  });
  return [{ centroids, rounds_run: first.rounds_run + 1 }];
}

function summary(parts: Partial[]): { centroids: Point[]; rounds_run: number; shard_loads: number; shards: number } {
  if (!Array.isArray(parts) || parts.length === 0) throw new InvalidArgumentError("summary needs the partial sums of the last round");
  return { centroids: parts[0]!.centroids, rounds_run: parts[0]!.rounds_run, shard_loads: parts.reduce((a, p) => a + p.loads, 0), shards: parts.length };
}

await serveWorker({ initial, assign, recenter, summary }, { name: "kmeans", version: "1.0.0" });
