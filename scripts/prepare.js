// `prepare`: npm runs it after `npm ci` in a checkout, and again each time npx installs this
// checkout into its own cache (npm 11's `npx qb` does that for a package whose own bin is
// `qb`: it links the checkout there and runs `prepare` on it). A full build there is 7-16 s
// before the first line of the README's quick start; so it builds only when dist/ was not
// built from these very inputs (scripts/build-inputs.js). `npm run build` always builds.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildInputsHash, STAMP } from "./build-inputs.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const stamp = join(root, STAMP);
if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === buildInputsHash(root)) {
  process.stderr.write("prepare: dist/ is built from these sources already (`npm run build` builds anyway)\n");
} else {
  const r = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  process.exit(r.status ?? 1);
}
