import { defineConfig } from "vitest/config";

/**
 * The tests `npm run mutate` runs against each mutant: those that load src/ in this process
 * (unit tests, and end-to-end tests through the library API). Tests that run bin/qb.js use
 * the build in dist/, which a mutant of src/ does not reach.
 */
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/run-attach-crash.test.ts", "test/audit-cli-api.test.ts"],
    exclude: ["src/layers.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
