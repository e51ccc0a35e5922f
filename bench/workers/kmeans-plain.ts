/**
 * The k-means of examples/workers/kmeans.ts without state kept between rounds, for
 * bench/kmeans: every round each shard is a plain call that reads its points from the pond
 * again, as an engine without held calls must (Spark, Nextflow, Argo).
 *
 *   fanout(rows)  held  -> for every signal "centroids", one list of {shard, centroids,
 *                          previous, rounds_run}: the round's plain calls
 *   assign_once({shard, centroids, previous, rounds_run}) -> a Partial, like assign's yield;
 *                          `changed` by comparing with the assignment under `previous`
 *   initial, recenter, summary: as examples/workers/kmeans.ts
 */
import { serveWorker, type CallContext } from "quarterback/worker";
import { assignPass, columns, initial, recenter, summary, type Centroids, type Partial, type Point } from "../../examples/workers/kmeans-math.js";

async function* fanout(rows: Array<{ shard: number }>, ctx: CallContext): AsyncGenerator<unknown, null> {
  let previous: Point[] | null = null;
  for await (const s of ctx.signals<Centroids>("centroids")) {
    yield rows.map((r) => ({ shard: r.shard, centroids: s.centroids, previous, rounds_run: s.rounds_run }));
    previous = s.centroids;
  }
  return null;
}

async function assignOnce(input: { shard: number; centroids: Point[]; previous: Point[] | null; rounds_run: number }, ctx: CallContext): Promise<Partial> {
  const rows = await ctx.pond.query("SELECT x, y FROM points WHERE shard = :shard ORDER BY id", { shard: input.shard });
  const { xs, ys } = columns(rows);
  const cluster = new Int32Array(xs.length).fill(-1);
  if (input.previous) assignPass(xs, ys, cluster, input.previous);
  const { sums, changed } = assignPass(xs, ys, cluster, input.centroids);
  return { shard: input.shard, sums, changed, rounds_run: input.rounds_run, centroids: input.centroids, loads: 1 };
}

await serveWorker({ initial, fanout, assign_once: assignOnce, recenter, summary }, { name: "kmeans-plain", version: "1.0.0" });
