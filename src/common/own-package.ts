/**
 * This package's own package.json, read at run time. This file sits two folders below the
 * package root as source (src/common/), built (dist/common/) and bundled (dist/bundle/),
 * so one relative URL finds it from each.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface OwnPackage {
  name: string;
  version: string;
  devDependencies?: Record<string, string>;
}

export function ownPackage(): OwnPackage {
  return JSON.parse(readFileSync(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")) as OwnPackage;
}
