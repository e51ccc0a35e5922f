/**
 * Bulk data between two workers (issue 5): a Float64Array made by worker A and summed by
 * worker B, passed two ways in the same run, on two real worker processes
 * (bench/workers/land.js, unix sockets, one shared land in a temporary folder):
 *
 *   land reference: A writes the array with writeTypedArray and answers the reference; the
 *                   reference goes through a channel as the item `{"$land": {...}}` (as the
 *                   runtime carries it) and is B's whole input; B reads it with
 *                   readTypedArray (size, hash and element type checked) and sums it.
 *   inline:         A answers the array inline, which in our protocol means JSON text (a JSON
 *                   array of numbers: `Value.json`); the caller decodes it, and sends it as
 *                   B's input, encoded again; B sums it. This is what the protocol does.
 *
 * Timed from the call to A to B's answer, the array already in A's memory (making it is not
 * timed). Every run checks B's sum against A's, exactly (same numbers, same order).
 *
 * Inline at 256 MiB cannot work: 32 Mi doubles as JSON are ~600 M characters, over V8's
 * longest string (~512 Mi characters), so the JSON text cannot even be made. Inline runs at
 * growing sizes, until one fails or the next would take longer than the budget; it is
 * attempted at 256 MiB only within the budget, and its failure is reported as measured.
 * The land reference runs at every size inline ran at, and at 256 MiB. Both ways run
 * REPEATS times at each size and the best run counts, the same on both sides (comparing
 * land's best of 3 with a single inline run favoured the land). Goal: the land reference
 * at least 3× faster than inline (compared at the largest size inline managed, and 256 MiB
 * by land against that inline throughput), judged on unrounded times.
 *
 * A writes with the SDKs' hash, XXH128, and stamps the reference, so B reads without hashing
 * (src/land/digest.ts, stamp.ts). At 256 MiB two baselines run too, alternating with it:
 * SHA-256 with the stamp (A's hash the only difference), and SHA-256 without the stamp (B
 * hashes what it reads too: the land before issue 17). Issue 17's goal: 1 GB/s end to end
 * at 256 MiB.
 *
 * MB/s are 10^6 bytes of the Float64Array (its raw size, not the JSON's) per second.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { constants } from "node:buffer";
import { LandRef, type LandRefJson } from "../src/land/ref.js";
import { withHugePages } from "../src/process/huge-pages.js";
import { WorkerClient } from "../src/client/index.js";
import type { Json, Value } from "../src/worker/types.js";
import { load, log, makeTemp, removeTemp, round, start, stderrTail, stop, waitForLine } from "./workers/harness.js";

const MiB = 1024 * 1024;
const BIG = 256 * MiB;
/** Inline sizes, tried in order while they work and fit the budget. */
const INLINE_SIZES = [32 * MiB, 64 * MiB, 128 * MiB, 256 * MiB];
/** No inline size is started whose predicted time per run is over this (it grows linearly with size). */
const INLINE_BUDGET_S = 60;
/** Runs of each way at each size; the best counts. */
const REPEATS = 3;
/** Raised limits: inline is the point of the comparison. */
const MAX_MESSAGE_BYTES = 2_000_000_000;

interface Worker {
  child: ChildProcess;
  client: WorkerClient;
  stderr: () => string;
}

async function startWorker(dir: string, name: string, land: string): Promise<Worker> {
  const child = start(process.execPath, ["bench/workers/land.js"], {
    env: {
      ...process.env,
      QB_LISTEN: `unix:${join(dir, `${name}.sock`)}`,
      QB_LAND: land,
      QB_WORKER_NAME: name,
      QB_BENCH_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
      // as a run's workers get it (src/process/huge-pages.ts)
      GLIBC_TUNABLES: withHugePages(process.env.GLIBC_TUNABLES),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr = stderrTail(child);
  let line: string;
  try {
    line = await waitForLine(child, (l) => l.startsWith("QB_LISTENING "));
  } catch (err) {
    throw new Error(`worker ${name}: ${(err as Error).message}\n${stderr()}`);
  }
  const client = new WorkerClient(line.slice("QB_LISTENING ".length).trim(), { maxMessageBytes: MAX_MESSAGE_BYTES });
  await client.waitForReady(10_000);
  return { child, client, stderr };
}

/**
 * What a channel item of the runtime looks like, and the call input it becomes again
 * (src/pod/item-values.ts): the worker's own reference, its writer's stamp with it. Without
 * the stamp (`stamped` false), as a reference from a resumed run's journal comes, B hashes
 * the file as it reads it: the baseline for the stamp.
 */
function throughChannel(v: Value, stamped: boolean): Value {
  const item = JSON.parse(JSON.stringify(v instanceof LandRef ? { $land: v.toJSON() } : v)) as Json;
  const l = (item as { $land?: LandRefJson }).$land;
  if (!l || !(v instanceof LandRef)) throw new Error("a land reference was expected");
  return new LandRef(l.path, l.size, l.sha256 ?? "", l.mediaType, stamped ? v.stamp : undefined, l.xxh128);
}

/**
 * How A writes and B checks, at 256 MiB: the SDKs' way (XXH128, stamped: B reads without
 * hashing), and two baselines measured alternately in the same run: SHA-256 with the stamp
 * (the land as it was before the fast hash) and SHA-256 without it (B hashes everything it
 * reads: the land before issue 17).
 */
const WAYS = [
  { key: "", digest: "xxh128", stamped: true },
  { key: "_sha256", digest: "sha256", stamped: true },
  { key: "_sha256_unstamped", digest: "sha256", stamped: false },
] as const;

interface Run {
  s: number;
  /** A's answer reaching the caller. */
  sendS: number;
  /** B's call, from the caller's send to B's answer. */
  receiveS: number;
}

function check(size: number, expected: { n: number; sum: number }, got: Value, how: string): void {
  const g = got as { n?: number; sum?: number };
  if (g?.n !== expected.n || g.sum !== expected.sum)
    throw new Error(`${how} at ${size / MiB} MiB: B summed ${JSON.stringify(got)}, A made ${JSON.stringify(expected)}`);
}

async function viaLand(
  a: Worker,
  b: Worker,
  land: string,
  size: number,
  expected: { n: number; sum: number },
  k: number,
  way: (typeof WAYS)[number] = WAYS[0],
): Promise<Run> {
  const { digest, stamped } = way;
  const path = `land-ref/${size / MiB}MiB-${k}.f64`;
  const t0 = performance.now();
  const ref = await a.client.invoke("sendRef", { id: "x", path, digest });
  const t1 = performance.now();
  if (!(ref instanceof LandRef) || ref.size !== size || ref.mediaType !== "application/x-float64-le" || ref.stamp === undefined || !ref[digest])
    throw new Error(`sendRef answered ${JSON.stringify(ref)}, stamp ${ref instanceof LandRef ? ref.stamp : "-"}`);
  const got = await b.client.invoke("sum", throughChannel(ref, stamped));
  const t2 = performance.now();
  check(size, expected, got, "land reference");
  await rm(join(land, path), { force: true });
  return { s: (t2 - t0) / 1000, sendS: (t1 - t0) / 1000, receiveS: (t2 - t1) / 1000 };
}

async function inline(a: Worker, b: Worker, size: number, expected: { n: number; sum: number }): Promise<Run & { jsonChars: number }> {
  const t0 = performance.now();
  const out = await a.client.invokeRaw({ method: "sendInline", input: { json: JSON.stringify({ id: "x" }) }, callId: "", attempt: 1 });
  // what WorkerClient.invoke does with it: the outcome, JSON decoded (done here by hand only to learn the text's length)
  if (out.error || typeof out.result?.json !== "string") throw new Error(`sendInline: ${out.error?.message ?? "no JSON result"}`);
  const jsonChars = out.result.json.length;
  const array = JSON.parse(out.result.json) as number[];
  const t1 = performance.now();
  const got = await b.client.invoke("sum", array);
  const t2 = performance.now();
  check(size, expected, got, "inline");
  return { s: (t2 - t0) / 1000, sendS: (t1 - t0) / 1000, receiveS: (t2 - t1) / 1000, jsonChars };
}

const mbps = (bytes: number, s: number): number => round(bytes / 1e6 / s, 1);

export default async function landRef(): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  const loadBefore = load();
  const dir = makeTemp("land-ref");
  const land = join(dir, "land");
  mkdirSync(land);
  const workers: Worker[] = [];
  const out: Record<string, unknown> = {};
  try {
    const a = await startWorker(dir, "a", land);
    workers.push(a);
    const b = await startWorker(dir, "b", land);
    workers.push(b);
    const make = async (size: number): Promise<{ n: number; sum: number }> =>
      (await a.client.invoke("make", { id: "x", n: size / 8, seed: size / MiB })) as { n: number; sum: number };

    // warm up both workers and this process on a small array, both ways
    const small = 1 * MiB;
    const e = await make(small);
    await viaLand(a, b, land, small, e, 0);
    await inline(a, b, small, e);

    // inline, at growing sizes, within the budget; best of REPEATS
    const inlineDone: number[] = [];
    const inlineBest = new Map<number, number>();
    let lastS = 0;
    let lastSize = 0;
    for (const size of INLINE_SIZES) {
      const key = `inline_${size / MiB}MiB`;
      const predicted = lastSize ? (lastS * size) / lastSize : 0;
      if (predicted > INLINE_BUDGET_S) {
        out[`${key}_skipped`] =
          `predicted ${round(predicted, 1)} s a run from ${lastSize / MiB} MiB, over the ${INLINE_BUDGET_S} s budget${size === BIG ? `; besides, its JSON (~${round(((out[`inline_${lastSize / MiB}MiB_json_chars_per_double`] as number) * size) / 8 / 1e6)} M chars) is over V8's longest string (${round(constants.MAX_STRING_LENGTH / 1e6)} M chars)` : ""}`;
        log("land-ref", `${key}: skipped (${out[`${key}_skipped`] as string})`);
        break;
      }
      const expected = await make(size);
      try {
        let r: Run & { jsonChars: number } = await inline(a, b, size, expected);
        const all = [r.s];
        for (let k = 2; k <= REPEATS; k++) {
          const again = await inline(a, b, size, expected);
          all.push(again.s);
          if (again.s < r.s) r = again;
        }
        Object.assign(out, {
          [`${key}_runs_s`]: all.map((x) => round(x, 3)),
          [`${key}_s`]: round(r.s, 3),
          [`${key}_MB_per_s`]: mbps(size, r.s),
          [`${key}_a_to_caller_s`]: round(r.sendS, 3),
          [`${key}_caller_to_b_sum_s`]: round(r.receiveS, 3),
          [`${key}_json_chars`]: r.jsonChars,
          [`${key}_json_chars_per_double`]: round(r.jsonChars / (size / 8), 2),
        });
        log("land-ref", `${key}: best of ${REPEATS} ${round(r.s, 2)} s, ${mbps(size, r.s)} MB/s (JSON ${round(r.jsonChars / 1e6)} M chars)`);
        inlineDone.push(size);
        inlineBest.set(size, r.s);
        lastS = r.s;
        lastSize = size;
      } catch (err) {
        out[`${key}_failed`] = (err as Error).message.slice(0, 300);
        log("land-ref", `${key}: failed: ${out[`${key}_failed`] as string}`);
        break;
      } finally {
        await a.client.invoke("drop", { id: "x" });
      }
    }

    // the land reference, at the same sizes and at 256 MiB; best of REPEATS
    const landBest = new Map<number, number>();
    const landSizes = [...new Set([...inlineDone, BIG])].sort((x, y) => x - y);
    for (const size of landSizes) {
      const key = `land_ref_${size / MiB}MiB`;
      const expected = await make(size);
      // at 256 MiB every way, alternating; below, the SDKs' way only
      const ways = size === BIG ? WAYS : WAYS.slice(0, 1);
      const bestOf = new Map<string, Run>();
      const runsOf = new Map<string, number[]>(ways.map((w) => [w.key, []]));
      for (let k = 1; k <= REPEATS; k++) {
        for (const way of ways) {
          const r = await viaLand(a, b, land, size, expected, k, way);
          runsOf.get(way.key)!.push(r.s);
          if (!bestOf.has(way.key) || r.s < bestOf.get(way.key)!.s) bestOf.set(way.key, r);
        }
      }
      await a.client.invoke("drop", { id: "x" });
      const best = bestOf.get("")!;
      const all = runsOf.get("")!;
      landBest.set(size, best.s);
      Object.assign(out, {
        [`${key}_runs_s`]: all.map((x) => round(x, 3)),
        [`${key}_s`]: round(best.s, 3),
        [`${key}_MB_per_s`]: mbps(size, best.s),
        [`${key}_a_write_s`]: round(best.sendS, 3),
        [`${key}_b_read_and_sum_s`]: round(best.receiveS, 3),
      });
      log("land-ref", `${key}: best of ${REPEATS} ${round(best.s, 2)} s, ${mbps(size, best.s)} MB/s`);
      for (const way of ways.slice(1)) {
        const r = bestOf.get(way.key)!;
        Object.assign(out, {
          [`${key}${way.key}_runs_s`]: runsOf.get(way.key)!.map((x) => round(x, 3)),
          [`${key}${way.key}_s`]: round(r.s, 3),
          [`${key}${way.key}_MB_per_s`]: mbps(size, r.s),
          [`${key}${way.key}_a_write_s`]: round(r.sendS, 3),
          [`${key}${way.key}_b_read_and_sum_s`]: round(r.receiveS, 3),
          [`ratio_${size / MiB}MiB_xxh128_over${way.key}`]: round(r.s / best.s, 2),
        });
        log("land-ref", `${key}${way.key}: best of ${REPEATS} ${round(r.s, 2)} s, ${mbps(size, r.s)} MB/s`);
      }
      if (size === BIG) out.goal_1GB_per_s_at_256MiB = mbps(size, best.s) >= 1000;
      if (inlineBest.has(size)) out[`ratio_${size / MiB}MiB_land_over_inline`] = round(inlineBest.get(size)! / best.s, 2);
    }

    const largest = inlineDone.at(-1);
    if (largest === undefined) throw new Error("inline worked at no size");
    // unrounded: a ratio is rounded for display only, after it is judged
    const ratioSame = inlineBest.get(largest)! / landBest.get(largest)!;
    const ratioBig = BIG / landBest.get(BIG)! / (largest / inlineBest.get(largest)!);
    Object.assign(out, {
      largest_inline_MiB: largest / MiB,
      repeats: REPEATS,
      ratio_land_256MiB_over_largest_inline_MB_per_s: round(ratioBig, 2),
      goal_ratio: 3,
      goal_met: ratioSame >= 3 && ratioBig >= 3,
      load_before: loadBefore,
      load_after: load(),
      seconds: round((Date.now() - t0) / 1000, 1),
    });
    return out;
  } catch (err) {
    for (const w of workers) if (w.stderr()) log("land-ref", `worker stderr: ${w.stderr()}`);
    throw err;
  } finally {
    for (const w of workers) w.client.close();
    await Promise.all(workers.map((w) => stop(w.child)));
    removeTemp(dir);
  }
}
