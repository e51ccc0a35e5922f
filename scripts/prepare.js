// `prepare`: npm runs it after `npm ci` in a checkout, on `npm pack` (after `prepack`, see
// scripts/pack-bin.js), and when the package is installed from git. A full build is 7-16 s
// (before the first line of the README's quick start, in npm 11's npx cache, it ran twice);
// so it builds only when dist/ was not built from these very inputs
// (scripts/build-inputs.js). `npm run build` always builds.
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
