/** A fresh temporary folder for each test of a file, removed after it. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/** `const tmp = freshDirPerTest("qb-x-")`, then `tmp.path` inside a test; `cleanup` runs after each test too. */
export function freshDirPerTest(prefix: string, cleanup?: () => void): { readonly path: string } {
  let path = "";
  beforeEach(() => {
    path = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    cleanup?.();
    rmSync(path, { recursive: true, force: true });
  });
  return {
    get path() {
      return path;
    },
  };
}
