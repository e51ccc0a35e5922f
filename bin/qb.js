#!/usr/bin/env node
// The `qb` command. Runs the bundled CLI from dist/ (built by `npm ci` via `prepare`: one
// file loads faster than a hundred); in a checkout without a build it falls back to the
// TypeScript sources through tsx.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = fileURLToPath(new URL("../dist/bundle/cli.js", import.meta.url));
if (existsSync(built)) {
  await import(built);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
