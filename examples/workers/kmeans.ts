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
import { assignPass, columns, initial, recenter, summary, type Centroids, type Partial } from "./kmeans-math.js";

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
  const { xs, ys } = columns(rows);
  const loads = await countLoad(ctx, shard);
  const cluster = new Int32Array(xs.length).fill(-1);
  for await (const s of ctx.signals<Centroids>("centroids")) {
    if (typeof input.pause_ms === "number" && input.pause_ms > 0) await pause(input.pause_ms, ctx.abortSignal);
    const { sums, changed } = assignPass(xs, ys, cluster, s.centroids);
    yield { shard, sums, changed, rounds_run: s.rounds_run, centroids: s.centroids, loads };
  }
  return { shard, points: xs.length };
}

await serveWorker({ initial, assign, recenter, summary }, { name: "kmeans", version: "1.0.0" });
