import { defineConfig } from "vitest/config";

/**
 * The tests `npm run mutate` (scripts/mutate.ts) runs against one group's mutants, given in
 * QB_MUTATE_TESTS: tests that load src/ in this process. Tests that run bin/qb.js use the
 * build in dist/, which a mutant of src/ does not reach, so no group lists them.
 */
const tests = process.env.QB_MUTATE_TESTS;
if (!tests) throw new Error("vitest.mutate.config.ts: run it through `npm run mutate`, which sets QB_MUTATE_TESTS");

export default defineConfig({
  test: {
    include: JSON.parse(tests) as string[],
    // A mutant that makes a test hang fails that test here, as a kill, long before Stryker's
    // own timeout (1.5 × the covering tests' time + 3 s), which also restarts the runner:
    // those restarts took most of the pod group's hour. No test of a group takes over 4 s.
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
