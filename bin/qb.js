#!/usr/bin/env node
// The `qb` command. Runs the bundled CLI from dist/ (built by `npm ci` via `prepare`: one
// file, loaded through V8's code cache, starts faster than a hundred); in a checkout
// without a build it falls back to the TypeScript sources through tsx.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = fileURLToPath(new URL("../dist/bundle/cli.cjs", import.meta.url));
if (existsSync(bundle)) {
  const { loadWithCodeCache } = await import("../dist/worker/code-cache.js");
  await loadWithCodeCache(bundle).runCli(process.argv);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
