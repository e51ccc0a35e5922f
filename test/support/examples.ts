import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Every example flow: [path relative to the repo, text]. */
export function exampleFlows(): Array<[string, string]> {
  const dir = join(ROOT, "examples");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".flow"))
    .sort()
    .map((f) => [`examples/${f}`, readFileSync(join(dir, f), "utf8")]);
}
