// Preloaded by bench/memory into `qb run` (node --import). At exit, writes to the file named
// by QB_BENCH_MAXRSS_FILE, as JSON: the process's own peak resident set size (VmHWM from
// /proc/self/status, KB; null where there is no /proc), getrusage's ru_maxrss beside it for
// comparison only, and the largest V8 heap in use just after a full (mark-compact) GC, i.e.
// the most memory the run kept alive, whatever the GC let the heap grow to in between.
//
// Why not ru_maxrss: on Linux it is carried over fork and exec, so a `qb run` spawned by a
// benchmark process that once held 1.2 GB reports 1.2 GB whatever it used itself. VmHWM is
// the high-water mark of the process's own address space, which exec starts afresh.
import { readFileSync, writeFileSync } from "node:fs";
import { PerformanceObserver, constants } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";

function vmHwmKb() {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

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
    writeFileSync(
      file,
      JSON.stringify({
        vmHwmKb: vmHwmKb(),
        ruMaxRssKb: process.resourceUsage().maxRSS,
        liveHeapAfterFullGcKb: Math.round(liveAfterGc / 1024),
        fullGcs,
      }) + "\n",
    );
  });
}
