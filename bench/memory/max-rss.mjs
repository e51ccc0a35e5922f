// Preloaded by bench/memory into `qb run` (node --import): at exit, writes the process's
// peak resident set size (getrusage ru_maxrss, in KB) to the file named by QB_BENCH_MAXRSS_FILE.
import { writeFileSync } from "node:fs";

const file = process.env.QB_BENCH_MAXRSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, `${process.resourceUsage().maxRSS}\n`));
