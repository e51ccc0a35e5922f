/**
 * The files `qb init` writes: a flow, a TypeScript worker, a test that runs the flow, and
 * the package.json that ties them to the published package. Kept small and commented: they
 * are a new user's first reading of the DSL and the Worker API.
 */

export interface ProjectVersions {
  /** The quarterback version the project depends on (this package's own). */
  quarterback: string;
  /** The tsx version that runs the TypeScript worker (the one this package is tested with). */
  tsx: string;
}

/** File path (relative to the project folder) to contents. */
export function projectFiles(name: string, v: ProjectVersions): Record<string, string> {
  return {
    "package.json":
      JSON.stringify(
        {
          name,
          version: "0.1.0",
          private: true,
          type: "module",
          scripts: { start: "qb run flows/hello.flow", test: "node --test test/" },
          // tsx runs the worker's TypeScript as it is: no build step
          dependencies: { quarterback: `^${v.quarterback}`, tsx: v.tsx },
        },
        null,
        2,
      ) + "\n",
    ".gitignore": "node_modules/\n.qb/\n",
    "flows/hello.flow": `# A first flow: squares 0..n-1 on two worker processes, then adds them up.
# Run it: npx qb run flows/hello.flow --param n=100
flow hello(n: int = 10) {
  worker math { run "node --import tsx workers/math.ts" replicas 2 }

  squares = range(n) | math.square(x: item)
  total   = squares | reduce math.add
  emit total
}
`,
    "workers/math.ts": `/**
 * The worker behind flows/hello.flow. Each method takes the call's arguments as one object
 * and returns a JSON value; a thrown InvalidArgumentError fails the call without a retry.
 *
 *   square({x})         -> x * x
 *   add({left, right})  -> left + right   (what \`reduce math.add\` calls)
 */
import { InvalidArgumentError, serveWorker } from "quarterback/worker";

function num(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new InvalidArgumentError(\`\${what} must be a number, not \${JSON.stringify(v)}\`);
  return v;
}

await serveWorker(
  {
    square: { handler: (input: { x?: unknown }) => num(input?.x, "x") ** 2, description: "x squared" },
    add: { handler: (input: { left?: unknown; right?: unknown }) => num(input?.left, "left") + num(input?.right, "right"), description: "left + right" },
  },
  { name: "math", version: "0.1.0" },
);
`,
    "test/hello.test.js": `// Runs the flow end to end, worker processes and all: \`npm test\`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

test("hello.flow adds up the squares of 0..9", () => {
  const out = execFileSync("npx", ["qb", "run", "flows/hello.flow", "--param", "n=10"], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), { total: [285] });
});
`,
    "README.md": `# ${name}

A [Quarterback](https://www.npmjs.com/package/quarterback) project.

\`\`\`sh
npm install
npx qb run flows/hello.flow --param n=100   # the result as JSON; progress on stderr
npm test                                     # runs the flow and checks its result
\`\`\`

- \`flows/hello.flow\`: the flow. \`npx qb check flows/hello.flow\` finds its mistakes
  without running it; \`npx qb graph flows/hello.flow\` draws it.
- \`workers/math.ts\`: the worker, started by the flow (\`run ...\`, two replicas).
- \`.qb/runs/\`: one folder per run (events, worker logs, result); \`npx qb ui\` shows them.
`,
  };
}
