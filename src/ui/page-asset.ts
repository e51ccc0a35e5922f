/**
 * The page's browser bundle, built by scripts/bundle.ts (esbuild) into dist/ui/page.bundle.js.
 * This file sits two folders below the package root as source and built, and so does the
 * CLI bundle (dist/bundle/cli.cjs), so one relative URL finds it from each.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const PAGE_BUNDLE = fileURLToPath(new URL("../../dist/ui/page.bundle.js", import.meta.url));

export class PageNotBuiltError extends Error {
  constructor(cause: unknown) {
    super(`the web page's script ${PAGE_BUNDLE} is missing: run npm run build`, { cause });
    this.name = "PageNotBuiltError";
  }
}

let cached: string | undefined;

export function pageBundle(): string {
  if (cached !== undefined) return cached;
  try {
    return (cached = readFileSync(PAGE_BUNDLE, "utf8"));
  } catch (err) {
    throw new PageNotBuiltError(err);
  }
}
