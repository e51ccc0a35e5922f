import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The tests `npm run mutate` (scripts/mutate.ts) runs against one group's mutants, given in
 * QB_MUTATE_TESTS: tests that load src/ in this process. Tests that run bin/qb.js use the
 * build in dist/, which a mutant of src/ does not reach, so no group lists them.
 */
const tests = process.env.QB_MUTATE_TESTS;
if (!tests) throw new Error("vitest.mutate.config.ts: run it through `npm run mutate`, which sets QB_MUTATE_TESTS");

/**
 * Stryker runs a mutant's tests one file at a time and stops at the first failure, so the
 * order decides how soon a mutant is killed: files that failed last time first (the next
 * mutant is often killed by the same test), then the quickest. Vitest's own order runs the
 * longest first (for parallel workers), which made a static mutant (one that runs every
 * test of its group) wait for 30 s of the pod group's slow files before the one that
 * kills it in 40 ms, and many such waits ran past Stryker's timeout.
 */
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const state = (f: TestSpecification) => cache.getFileTestResults(`${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`);
    const size = (f: TestSpecification) => cache.getFileStats(`${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`)?.size ?? 0;
    return [...files].sort((a, b) => {
      const sa = state(a);
      const sb = state(b);
      const fa = sa?.failed === true;
      const fb = sb?.failed === true;
      if (fa !== fb) return fa ? -1 : 1;
      // before any run: the smaller file first
      if (!sa || !sb) return size(a) - size(b);
      return sa.duration - sb.duration;
    });
  }
}

export default defineConfig({
  test: {
    include: JSON.parse(tests) as string[],
    sequence: { sequencer: QuickestFirst },
    // A mutant that makes a test hang fails that test here, as a kill, long before Stryker's
    // own timeout (1.5 × the covering tests' time + 3 s), which also restarts the runner:
    // those restarts took most of the pod group's hour. No test of a group takes over 4 s.
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
