/**
 * The arithmetic of examples/workers/kmeans.ts, apart from how points are kept and loaded
 * (the benchmark's stateless twin, bench/workers/kmeans-plain.ts, shares it).
 */
import { InvalidArgumentError } from "quarterback/worker";

export type Point = [number, number];

/** The signal a held call waits for: centroids, and how many updates made them. */
export type Centroids = {
  centroids: Point[];
  rounds_run: number;
};

/** One shard's part of a round. */
export type Partial = {
  shard: number;
  /** Per cluster: [sum of x, sum of y, count]. */
  sums: Array<[number, number, number]>;
  /** Points whose cluster changed in this pass. */
  changed: number;
  rounds_run: number;
  centroids: Point[];
  /** How many times this shard was read from the pond. */
  loads: number;
};

export function initial(rows: Array<{ x: number; y: number }>): Centroids {
  if (!Array.isArray(rows) || rows.length === 0) throw new InvalidArgumentError("initial needs a non-empty list of {x, y} rows");
  return { centroids: rows.map((r) => [Number(r.x), Number(r.y)]), rounds_run: 0 };
}

/**
 * One assignment pass: every point to its nearest centroid (ties to the lowest index),
 * writing `cluster`; gives the per-cluster sums and how many points changed cluster.
 */
export function assignPass(
  xs: Float64Array,
  ys: Float64Array,
  cluster: Int32Array,
  centroids: Point[],
): { sums: Array<[number, number, number]>; changed: number } {
  const k = centroids.length;
  const sums: Array<[number, number, number]> = centroids.map(() => [0, 0, 0]);
  let changed = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    let best = 0;
    let bestD = Infinity;
    for (let j = 0; j < k; j++) {
      const dx = x - centroids[j]![0];
      const dy = y - centroids[j]![1];
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
  return { sums, changed };
}

/** The next centroids from one round's parts: none when nothing changed or `maxRounds` updates were made. */
export function recenter(input: { sums?: Partial[]; max_rounds?: number }): Centroids[] {
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

export function summary(parts: Partial[]): { centroids: Point[]; rounds_run: number; shard_loads: number; shards: number } {
  if (!Array.isArray(parts) || parts.length === 0) throw new InvalidArgumentError("summary needs the partial sums of the last round");
  return { centroids: parts[0]!.centroids, rounds_run: parts[0]!.rounds_run, shard_loads: parts.reduce((a, p) => a + p.loads, 0), shards: parts.length };
}

/** A shard's points as two columns, from pond rows {x, y}. */
export function columns(rows: Array<Record<string, unknown>>): { xs: Float64Array; ys: Float64Array } {
  const xs = new Float64Array(rows.length);
  const ys = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    xs[i] = Number(r.x);
    ys[i] = Number(r.y);
  });
  return { xs, ys };
}
