/**
 * `npm run mutate [-- group...]`: StrykerJS over the modules that carry the runtime's
 * promises, one group at a time. Each group names its modules and the tests that can kill
 * their mutants: a static mutant (one in code that runs when the module loads) runs every
 * test of its run, so running each group against its own tests, not all of them, is what
 * keeps the whole under 30 minutes here. Results are incremental per group
 * (reports/stryker-GROUP.json): a rerun tests only mutants of changed code or tests.
 * Prints one JSON object (score per module) and exits 1 when a module is under the goal.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
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
}

export const GROUPS: Group[] = [
  { name: "sql", mutate: ["src/sql/scanner.ts"], tests: ["src/sql/**/*.test.ts", "src/pond/params.test.ts"] },
  { name: "land", mutate: ["src/land/safe-path.ts"], tests: ["src/land/**/*.test.ts", "src/dsl/land-path.test.ts"] },
  {
    name: "runtime",
    mutate: ["src/runtime/engine.ts", "src/runtime/call-with-retry.ts", "src/runtime/channel.ts"],
    tests: ["src/runtime/**/*.test.ts"],
    // in-process tests with timers: two runners left the CPU a third idle (load 1.4)
    concurrency: 3,
  },
  {
    name: "pod",
    mutate: ["src/pod/replica.ts", "src/pod/local-pod.ts"],
    tests: ["src/pod/**/*.test.ts", "test/run-attach-crash.test.ts", "test/audit-cli-api.test.ts"],
    // its tests wait on real timers (exit waits, stop's grace, the break window): four runners
    // still left load at about 2 and the CPU 29% idle
    concurrency: 6,
  },
  {
    name: "pond",
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
for (const group of GROUPS.filter((g) => wanted.length === 0 || wanted.includes(g.name))) {
  const t0 = Date.now();
  const args = ["stryker", "run", "--mutate", group.mutate.join(","), "--incrementalFile", `reports/stryker-${group.name}.json`];
  if (group.concurrency) args.push("--concurrency", String(group.concurrency));
  const r = spawnSync("npx", args, {
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
  seconds[group.name] = Math.round((Date.now() - t0) / 1000);
  if (r.status !== 0) {
    process.stderr.write(`mutate: stryker failed for group ${group.name} (exit ${r.status})\n`);
    process.exit(1);
  }
  const report = `${ROOT}reports/mutation.json`;
  if (!existsSync(report)) throw new Error(`mutate: stryker wrote no ${report}`);
  copyFileSync(report, `${ROOT}reports/mutation-${group.name}.json`);
  const files = (JSON.parse(readFileSync(report, "utf8")) as { files: Record<string, FileReport> }).files;
  for (const [file, f] of Object.entries(files)) modules[file] = { group: group.name, ...score(f) };
}
const under = Object.entries(modules).filter(([, m]) => m.score < GOAL);
process.stdout.write(
  JSON.stringify({ goal: GOAL, modules, seconds, totalSeconds: Math.round((Date.now() - started) / 1000), under: under.map(([f]) => f) }, null, 2) + "\n",
);
process.exitCode = under.length ? 1 : 0;
