/**
 * `npm run mutate [-- group...]`: StrykerJS over the modules that carry the runtime's
 * promises, one group at a time. Each group names its modules and the tests that can kill
 * their mutants: a static mutant (one in code that runs when the module loads) runs every
 * test of its run, so running each group against its own tests, not all of them, is what
 * keeps the whole under 30 minutes here. Results are incremental per group
 * (reports/stryker-GROUP.json): a rerun tests only mutants of changed code or tests.
 * Groups run in two lanes at once: sql and land beside the pod group, whose tests mostly
 * wait on worker processes and timers and leave a quarter of the CPU idle; then runtime and
 * pond. (runtime beside pod too made the pod group's tests time out more: slower in all.)
 * Prints one JSON object (score per module) and exits 1 when a module is under the goal.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const GOAL = 80;

interface Group {
  name: string;
  mutate: string[];
  /** Test files (globs) run against the group's mutants. */
  tests: string[];
  /** Test runners at once: a group whose tests mostly wait on worker processes and timers takes more than the 2 cores. */
  concurrency?: number;
  /** Groups of one lane run one after another; the two lanes run at once. */
  lane: 1 | 2;
}

export const GROUPS: Group[] = [
  // lane 2, beside the pod group: sql and land with one runner each
  { name: "sql", lane: 2, concurrency: 1, mutate: ["src/sql/scanner.ts"], tests: ["src/sql/**/*.test.ts", "src/pond/params.test.ts"] },
  { name: "land", lane: 2, concurrency: 1, mutate: ["src/land/safe-path.ts"], tests: ["src/land/**/*.test.ts", "src/dsl/land-path.test.ts"] },
  {
    name: "pod",
    lane: 1,
    // the replica whole; of the pod, what starts, restarts and tears down its processes (the
    // issue's "pod replica and teardown"): its call placement (slots) is left out, which kept
    // about 150 mutants of the group's 706 and their slow tests out of the 30 minutes
    mutate: ["src/pod/replica.ts", "src/pod/local-pod.ts:57-100", "src/pod/local-pod.ts:142-181", "src/pod/local-pod.ts:296-308"],
    // the two CLI-level files kill about 30 mutants the unit tests do not (dropping them, on
    // 2026-12-04, turned those into survivors: a kill in a file's hooks names no test)
    tests: ["src/pod/**/*.test.ts", "test/run-attach-crash.test.ts", "test/audit-cli-api.test.ts"],
    // its tests wait on real timers (exit waits, stop's grace, the break window), but spawn
    // worker processes too: 3 runners keep the 2 cores busy (load ~2.7); 6 ran the load to
    // 8-9 and turned slow tests into timeouts, counted as kills that were not
    concurrency: 3,
  },
  {
    name: "runtime",
    lane: 1,
    mutate: ["src/runtime/engine.ts", "src/runtime/call-with-retry.ts", "src/runtime/channel.ts"],
    tests: ["src/runtime/**/*.test.ts"],
    // in-process tests with timers: two runners left the CPU a third idle (load 1.4)
    concurrency: 3,
  },
  {
    name: "pond",
    lane: 1,
    mutate: ["src/pond/sink.ts", "src/pond/lake/sync.ts"],
    // in-process pond tests only (test/pond-cli.test.ts runs bin/qb.js)
    concurrency: 3,
    tests: [
      "src/pond/**/*.test.ts",
      "test/pond-{bound-params,cancel,conformance,failed-sync-table,lake,sink,sink-modes,sync-options}.test.ts",
      "test/audit-pond-*.test.ts",
    ],
  },
];

interface FileReport {
  mutants: Array<{ status: string }>;
}

/** Stryker's score: detected (killed, timed out) over valid mutants (not ignored, compiling). */
function score(file: FileReport): { score: number; killed: number; timedOut: number; survived: number; noCoverage: number; mutants: number } {
  const count = (s: string): number => file.mutants.filter((m) => m.status === s).length;
  const killed = count("Killed");
  const timedOut = count("Timeout");
  const survived = count("Survived");
  const noCoverage = count("NoCoverage");
  const valid = killed + timedOut + survived + noCoverage;
  return { score: valid ? Math.round((10000 * (killed + timedOut)) / valid) / 100 : 100, killed, timedOut, survived, noCoverage, mutants: file.mutants.length };
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !GROUPS.some((g) => g.name === w));
if (unknown.length) {
  process.stderr.write(`mutate: unknown group ${unknown.join(", ")} (groups: ${GROUPS.map((g) => g.name).join(", ")})\n`);
  process.exit(2);
}
const started = Date.now();
// the test workers run from this build in every sandbox (QB_USE_BUILT_WORKERS below): make it current
const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
if (build.status !== 0) {
  process.stderr.write(`mutate: npm run build failed (exit ${build.status})\n`);
  process.exit(1);
}
const modules: Record<string, ReturnType<typeof score> & { group: string }> = {};
const seconds: Record<string, number> = {};
const BASE_CONFIG = JSON.parse(readFileSync(join(ROOT, "stryker.config.json"), "utf8")) as Record<string, unknown>;
mkdirSync(join(ROOT, "reports"), { recursive: true });

/** Runs one group's Stryker with a config of its own (report, sandbox folder), so two can run at once. */
function runGroup(group: Group): Promise<void> {
  const report = `reports/mutation-${group.name}.json`;
  const config = `reports/stryker-${group.name}.config.json`;
  writeFileSync(
    join(ROOT, config),
    JSON.stringify({
      ...BASE_CONFIG,
      $schema: undefined,
      mutate: group.mutate,
      incrementalFile: `reports/stryker-${group.name}.json`,
      jsonReporter: { fileName: report },
      tempDirName: `.stryker-tmp/${group.name}`,
      // Stryker leaves out only its own temp folder: without this, a group's sandbox copied
      // the other lane's (and failed when files in it went away)
      ignorePatterns: ["/.stryker-tmp"],
      ...(group.concurrency ? { concurrency: group.concurrency } : {}),
    }),
  );
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["stryker", "run", config], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      // tests find the acceptance data through QB_SHARED: the sandboxes are not beside ../shared
      // The sandbox copies dist/ and src/ with fresh times in no set order, so bin/launch-ts.js
      // would find test workers' builds stale and start each through tsx (~0.5 s of CPU per
      // worker process); mutants are in the quarterback's code, never in the workers' build.
      env: {
        ...process.env,
        QB_MUTATE_TESTS: JSON.stringify(group.tests),
        QB_SHARED: process.env.QB_SHARED ?? join(ROOT, "..", "shared"),
        QB_USE_BUILT_WORKERS: "1",
      },
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      seconds[group.name] = Math.round((Date.now() - t0) / 1000);
      if (code !== 0) return reject(new Error(`mutate: stryker failed for group ${group.name} (exit ${code})`));
      const path = join(ROOT, report);
      if (!existsSync(path)) return reject(new Error(`mutate: stryker wrote no ${path}`));
      const files = (JSON.parse(readFileSync(path, "utf8")) as { files: Record<string, FileReport> }).files;
      for (const [file, f] of Object.entries(files)) modules[file] = { group: group.name, ...score(f) };
      resolve();
    });
  });
}

async function runLane(groups: Group[]): Promise<void> {
  for (const g of groups) await runGroup(g);
}

const chosen = GROUPS.filter((g) => wanted.length === 0 || wanted.includes(g.name));
try {
  await Promise.all([1, 2].map((lane) => runLane(chosen.filter((g) => g.lane === lane))));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
const under = Object.entries(modules).filter(([, m]) => m.score < GOAL);
process.stdout.write(
  JSON.stringify({ goal: GOAL, modules, seconds, totalSeconds: Math.round((Date.now() - started) / 1000), under: under.map(([f]) => f) }, null, 2) + "\n",
);
process.exitCode = under.length ? 1 : 0;
