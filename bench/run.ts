/**
 * `npm run bench [-- name...]`: runs each benchmark in bench/ (files named `*.bench.ts`
 * exporting a default async function) and prints one JSON object of their results.
 *
 * Each benchmark runs in a process of its own: one that ran after another in the same
 * process measured what the earlier one left behind (after `land-ref`'s 256 MiB buffers,
 * `overhead` ran ~20% slower, its own baselines too: 184,841 against 220,450 calls/s
 * alone, measured one after the other).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { cpus } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const ONE = "--one";

if (process.argv[2] === ONE) {
  // the child: one benchmark, its result as JSON on stdout
  const mod = (await import(pathToFileURL(join(dir, `${process.argv[3]}.bench.ts`)).href)) as { default: () => Promise<unknown> };
  process.stdout.write(JSON.stringify(await mod.default()) + "\n");
} else {
  const wanted = process.argv.slice(2);
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".bench.ts"))
    .map((f) => basename(f, ".bench.ts"))
    .filter((n) => wanted.length === 0 || wanted.includes(n))
    .sort();
  const unknown = wanted.filter((w) => !names.includes(w));
  if (unknown.length) {
    process.stderr.write(
      `bench: no benchmark named ${unknown.join(", ")} in bench/ (there are: ${readdirSync(dir)
        .filter((f) => f.endsWith(".bench.ts"))
        .map((f) => basename(f, ".bench.ts"))
        .join(", ")})\n`,
    );
    process.exit(2);
  }
  const results: Record<string, unknown> = {};
  for (const name of names) {
    // the same node and loader (tsx) as this process; the benchmark's log lines go to stderr as they come
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ONE, name], {
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    const out = child.stdout.trim().split("\n").at(-1) ?? "";
    if (child.status === 0 && out !== "") {
      results[name] = JSON.parse(out) as unknown;
    } else {
      results[name] = { error: `bench/${name}.bench.ts exited with ${child.status ?? child.signal}` };
      process.exitCode = 1;
    }
  }
  process.stdout.write(JSON.stringify({ machine: { node: process.version, cpus: cpus().length }, results }, null, 2) + "\n");
}
