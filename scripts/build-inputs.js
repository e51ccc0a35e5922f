// What dist/ is built from, as one hash: every file `npm run build` reads of this package
// (the TypeScript it compiles, the bundler script, the configs, the lock file that fixes
// the compiler's and bundler's versions). `npm run build` records it in dist/ when it is
// done; `prepare` (scripts/prepare.js) builds again only when it differs.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { withBin } from "./pack-bin.js";

const DIRS = ["src", "examples/workers", "bench/workers", "test/workers", "proto", "bin"];
const FILES = [
  "scripts/bundle.ts",
  "scripts/build-inputs.js",
  "tsconfig.json",
  "tsconfig.build.json",
  "tsconfig.workers.json",
  "package.json",
  "package-lock.json",
];

export const STAMP = "dist/.build-inputs";

/** The hash of the build's inputs under `root`, read afresh. */
export function buildInputsHash(root) {
  const files = [...FILES.filter((f) => existsSync(join(root, f))), ...DIRS.flatMap((d) => walk(root, join(root, d)))].sort();
  const hash = createHash("sha256");
  for (const f of files)
    hash
      .update(`${f}\0`)
      .update(f === "package.json" ? packageJsonForBuild(root) : readFileSync(join(root, f)))
      .update("\0");
  return hash.digest("hex");
}

// `npm pack` adds the bin in `prepack` and then runs `prepare`: the bin is not a build input,
// and counting it would build again for every pack (scripts/pack-bin.js)
function packageJsonForBuild(root) {
  return withBin(readFileSync(join(root, "package.json"), "utf8"), "remove");
}

function walk(root, dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(root, path) : [relative(root, path)];
  });
}
