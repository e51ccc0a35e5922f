/**
 * `npm run bench [-- name...]`: runs each benchmark in bench/ (files named `*.bench.ts`
 * exporting a default async function) and prints one JSON object of their results.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { basename, join } from "node:path";

const dir = fileURLToPath(new URL(".", import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.includes(basename(f, ".bench.ts")))
  .sort();
const results: Record<string, unknown> = {};
for (const f of files) {
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default: () => Promise<unknown> };
  results[basename(f, ".bench.ts")] = await mod.default();
}
process.stdout.write(JSON.stringify({ machine: { node: process.version, cpus: (await import("node:os")).cpus().length }, results }, null, 2) + "\n");
