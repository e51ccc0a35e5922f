// Starts a TypeScript worker from its .js launcher: the compiled file under dist/ (made by
// `npm run build`, which `npm ci` runs) when that is up to date, else the source itself
// through tsx, with `quarterback/worker` then read from src/ too. Up to date means: at
// least as new as every .ts beside the source, and the SDK's bundle at least as new as
// the SDK's sources. Compiled, a worker is listening in ~0.15 s; through tsx it takes
// ~0.5 s longer (esbuild and the loader hooks start first).
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** What dist/bundle/worker.cjs is built from. */
const SDK_SOURCES = ["src/worker", "src/proto", "src/land", "proto"].map((d) => join(ROOT, d));

/** Newest modification time of the source files in a folder (and below, when `deep`). */
function newest(dir, deep) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (deep) t = Math.max(t, newest(path, deep));
    } else if ((entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) || entry.name.endsWith(".proto")) {
      t = Math.max(t, statSync(path).mtimeMs);
    }
  }
  return t;
}

function isFresh(source, built) {
  try {
    // a copy of the package (Stryker's sandboxes) gives every file the copy's time, in no
    // particular order: there the caller says the build is what it wants
    if (process.env.QB_USE_BUILT_WORKERS === "1") return statSync(built).isFile();
    if (statSync(built).mtimeMs < newest(dirname(source), false)) return false;
    const bundle = statSync(join(ROOT, "dist/bundle/worker.cjs")).mtimeMs;
    return SDK_SOURCES.every((dir) => bundle >= newest(dir, true));
  } catch {
    return false;
  }
}

/** Runs the worker at `sourceUrl` (a .ts file inside this package). */
export async function launchTs(sourceUrl) {
  const source = fileURLToPath(sourceUrl);
  const built = join(ROOT, "dist", relative(ROOT, source)).replace(/\.ts$/, ".js");
  if (isFresh(source, built)) return import(pathToFileURL(built).href);
  const { register } = await import("tsx/esm/api");
  // tsconfig.json maps quarterback/worker to src/worker/index.ts
  register({ tsconfig: join(ROOT, "tsconfig.json") });
  return import(sourceUrl.href);
}
