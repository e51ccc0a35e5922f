// Preloaded by bench/memory into `qb run` (node --import). At exit, writes to the file named
// by QB_BENCH_MAXRSS_FILE, as JSON: the process's peak resident set size (getrusage
// ru_maxrss, KB), and the largest V8 heap in use just after a full (mark-compact) GC, i.e.
// the most memory the run kept alive, whatever the GC let the heap grow to in between.
import { writeFileSync } from "node:fs";
import { PerformanceObserver, constants } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";

const file = process.env.QB_BENCH_MAXRSS_FILE;
if (file) {
  let liveAfterGc = 0;
  let fullGcs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      fullGcs++;
      liveAfterGc = Math.max(liveAfterGc, getHeapStatistics().used_heap_size);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  process.on("exit", () => {
    observer.disconnect();
    writeFileSync(file, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, liveHeapAfterFullGcKb: Math.round(liveAfterGc / 1024), fullGcs }) + "\n");
  });
}
