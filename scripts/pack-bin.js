// `prepack` adds `"bin": { "qb": "bin/qb.js" }` to package.json and `postpack` takes it out
// again, so the packed (and published) package has the `qb` command while the checkout's
// package.json does not.
//
// Why: npm 11's `npx qb` in a folder whose own package.json names a `qb` bin treats that
// folder as a package to install: each call loads the whole node_modules tree (hundreds of
// packages) and links the folder into npx's cache first, about half a second before `qb`
// starts (the README's quick start, `npx qb run examples/pi.flow`, took 2.1x as long as
// `node bin/qb.js run`). Without it npx looks in node_modules/.bin first, where `npm ci`
// links `qb` from the devDependency scripts/dev-bin, and runs it straight away.
// The same pattern as pinst's for husky's postinstall. An interrupted pack can leave the
// bin in place: `npx qb` still works, only slower, and `git status` shows it.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const BIN = { qb: "bin/qb.js" };

/** package.json's text with the bin added (`add`) or taken out (`remove`); keys keep their order. */
export function withBin(text, mode) {
  const pkg = JSON.parse(text);
  const out = {};
  for (const [key, value] of Object.entries(pkg)) {
    if (key === "bin") continue;
    out[key] = value;
    // the bin goes where npm's own docs put it, after engines
    if (key === "engines" && mode === "add") out.bin = BIN;
  }
  if (mode === "add" && !out.bin) out.bin = BIN;
  return JSON.stringify(out, null, 2) + "\n";
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  if (mode !== "add" && mode !== "remove") {
    process.stderr.write("usage: node scripts/pack-bin.js add|remove\n");
    process.exit(2);
  }
  const file = fileURLToPath(new URL("../package.json", import.meta.url));
  writeFileSync(file, withBin(readFileSync(file, "utf8"), mode));
}
