/**
 * Points for the k-means example, in the lake's format (`id,shard,x,y`): `clusters` blobs
 * with normal noise, shuffled over `shards` shards. Seeded, so a file can be made again.
 *
 *   npx tsx examples/data/make-points.ts --points 1000000 --shards 16 --seed 7 > points.csv
 */
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { sequence } from "../workers/mulberry32.js";

export interface PointsOptions {
  points: number;
  shards: number;
  clusters: number;
  seed: number;
}

/** Writes the CSV to `out` and resolves once it is flushed. */
export async function writePoints(out: NodeJS.WritableStream, o: PointsOptions): Promise<void> {
  const rnd = sequence(o.seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const centers = Array.from({ length: o.clusters }, () => [rnd() * 100 - 50, rnd() * 100 - 50, 2 + rnd() * 8] as const);
  let chunk = "id,shard,x,y\n";
  for (let id = 0; id < o.points; id++) {
    const [cx, cy, spread] = centers[Math.floor(rnd() * o.clusters)]!;
    chunk += `${id},${Math.floor(rnd() * o.shards)},${(cx + normal() * spread).toFixed(6)},${(cy + normal() * spread).toFixed(6)}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await new Promise((r) => out.once("drain", r));
      chunk = "";
    }
  }
  await new Promise<void>((resolve, reject) => out.end(chunk, () => resolve()).on?.("error", reject));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      points: { type: "string", default: "100000" },
      shards: { type: "string", default: "8" },
      clusters: { type: "string", default: "4" },
      seed: { type: "string", default: "1" },
      out: { type: "string" },
    },
  });
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  await writePoints(out, { points: Number(values.points), shards: Number(values.shards), clusters: Number(values.clusters), seed: Number(values.seed) });
}
