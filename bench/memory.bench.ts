/**
 * Memory of the quarterback (issue 4): peak RSS of `qb run` (the real CLI, a child process)
 * over 20,000 and 200,000 items of
 *
 *   xs = range(n) | w.noop parallel 256 | w.noop      (2 replicas of the no-op worker)
 *   x  = xs | last                                     (the result does not grow with n)
 *
 * The peak is the process's own getrusage maxRSS, written at exit by a preload
 * (bench/memory/max-rss.mjs), so worker processes are not counted; VmHWM from /proc,
 * polled while it runs, is reported beside it as a check. The preload also reports the
 * largest V8 heap still in use right after a full GC: what the run keeps alive, as opposed
 * to how far the GC lets the heap grow before collecting. A one-item run gives the baseline
 * (the CLI, gRPC and the pod with nothing flowing). Goal: < 150 MB, and flat as items grow.
 *
 * Flat is judged between 200,000 and 600,000 items (the later peak at most 1.1× the
 * earlier): a 20,000-item run ends after one full GC, before V8 has settled how far it
 * lets the old generation fill with promoted garbage between full GCs, so its peak is
 * lower for that reason alone (measured: 108, 131 and 131 MB at 20k, 200k and 600k, with
 * the live heap after each full GC at 10-12 MB throughout). The 200k/20k ratio is
 * reported too.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { QB, exited, load, log, makeTemp, peakRssKb, removeTemp, round, start, stderrTail, stop } from "./workers/harness.js";

const SIZES = [20_000, 200_000, 600_000];
const PRELOAD = fileURLToPath(new URL("./memory/max-rss.mjs", import.meta.url));
const RUN_TIMEOUT_MS = 100_000;

const FLOW = `flow memory(n: int = 1) {
  worker w { run "node bench/workers/noop.js" replicas 2 }
  xs = range(n) | w.noop parallel 256 | w.noop
  x  = xs | last
  emit x
}
`;

interface Peak {
  maxRssMb: number;
  /** The largest heap in use right after a full GC (0 when no full GC ran). */
  liveHeapMb: number;
  fullGcs: number;
  vmHwmMb: number;
  seconds: number;
}

async function peakOf(flow: string, n: number, dir: string): Promise<Peak> {
  const rssFile = join(dir, `maxrss-${n}`);
  const t0 = Date.now();
  // not --json: per-call events would make the output, not the runtime, what grows
  const child = start(process.execPath, ["--import", PRELOAD, QB, "run", flow, "--param", `n=${n}`, "--run-dir", join(dir, `run-${n}`)], {
    env: { ...process.env, QB_BENCH_MAXRSS_FILE: rssFile },
  });
  const stderr = stderrTail(child);
  let stdout = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  let hwm = 0;
  const poll = setInterval(() => {
    const kb = peakRssKb(child.pid!);
    if (kb > hwm) hwm = kb;
  }, 50);
  const timer = setTimeout(() => void stop(child), RUN_TIMEOUT_MS);
  const { code } = await exited(child);
  clearInterval(poll);
  clearTimeout(timer);
  const seconds = (Date.now() - t0) / 1000;
  if (code !== 0) throw new Error(`qb run (n=${n}) exited with ${code}: ${stderr()}`);
  const result = JSON.parse(stdout) as { x?: unknown[] };
  if (result.x?.length !== 1 || typeof result.x[0] !== "number") throw new Error(`qb run (n=${n}): unexpected result ${stdout}`);
  const m = JSON.parse(readFileSync(rssFile, "utf8")) as { maxRssKb: number; liveHeapAfterFullGcKb: number; fullGcs: number };
  return {
    maxRssMb: round(m.maxRssKb / 1024, 1),
    liveHeapMb: round(m.liveHeapAfterFullGcKb / 1024, 1),
    fullGcs: m.fullGcs,
    vmHwmMb: round(hwm / 1024, 1),
    seconds: round(seconds, 1),
  };
}

export default async function memory(): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  const loadBefore = load();
  const dir = makeTemp("memory");
  try {
    const flow = join(dir, "memory.flow");
    writeFileSync(flow, FLOW);
    const base = await peakOf(flow, 1, dir);
    log("memory", `1 item: ${JSON.stringify(base)}`);
    const out: Record<string, unknown> = { baseline_1_item_peak_rss_mb: base.maxRssMb };
    const peaks: number[] = [];
    for (const n of SIZES) {
      const p = await peakOf(flow, n, dir);
      log("memory", `${n} items: ${JSON.stringify(p)}`);
      peaks.push(p.maxRssMb);
      Object.assign(out, {
        [`items_${n}_peak_rss_mb`]: p.maxRssMb,
        [`items_${n}_vmhwm_polled_mb`]: p.vmHwmMb,
        [`items_${n}_live_heap_after_full_gc_mb`]: p.liveHeapMb,
        [`items_${n}_full_gcs`]: p.fullGcs,
        [`items_${n}_run_seconds`]: p.seconds,
      });
    }
    const [small, large, largest] = peaks as [number, number, number];
    const settled = round(largest / large, 2);
    Object.assign(out, {
      [`ratio_${SIZES[1]}_over_${SIZES[0]}`]: round(large / small, 2),
      [`ratio_${SIZES[2]}_over_${SIZES[1]}`]: settled,
      growth_mb: round(largest - large, 1),
      growth_bytes_per_item: round(((largest - large) * 1024 * 1024) / (SIZES[2]! - SIZES[1]!)),
      goal_mb: 150,
      goal_flat_ratio: 1.1,
      goal_met: Math.max(...peaks) < 150 && settled <= 1.1,
      load_before: loadBefore,
      load_after: load(),
      seconds: round((Date.now() - t0) / 1000, 1),
    });
    return out;
  } finally {
    removeTemp(dir);
  }
}
