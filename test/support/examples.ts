import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * `../shared/acceptance` beside the repo: the acceptance data. QB_SHARED names `../shared`
 * where the repo was copied elsewhere (npm run mutate's sandboxes).
 */
export const ACCEPTANCE = join(process.env.QB_SHARED ?? join(ROOT, "..", "shared"), "acceptance");

/** Every example flow: [path relative to the repo, text]. */
export function exampleFlows(): Array<[string, string]> {
  const dir = join(ROOT, "examples");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".flow"))
    .sort()
    .map((f) => [`examples/${f}`, readFileSync(join(dir, f), "utf8")]);
}
