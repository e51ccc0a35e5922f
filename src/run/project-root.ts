/**
 * The project a flow belongs to: the folder its relative paths mean (worker `run` commands,
 * `glob` and `land.glob` roots, the default pond) and where its runs are kept (`.qb/runs`).
 * Like git finding its repository, it is found, not assumed to be the current folder, so
 * `qb run path/to/x.flow` works from anywhere and leaves nothing in the current folder.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** What marks a project's folder: a `.qb` folder (runs, the pond) or a `package.json`. */
function isProjectRoot(dir: string): boolean {
  const qb = join(dir, ".qb");
  return (existsSync(qb) && statSync(qb).isDirectory()) || existsSync(join(dir, "package.json"));
}

/**
 * The nearest folder, from `start` up, holding a `.qb` folder or a `package.json`; with none
 * up to the file system's root, `start` itself.
 */
export function findProjectRoot(start: string): string {
  const from = resolve(start);
  for (let dir = from; ; dir = dirname(dir)) {
    if (isProjectRoot(dir)) return dir;
    if (dirname(dir) === dir) return from;
  }
}

/** The project of the flow in `file`: found from the flow's own folder. */
export function projectRootOfFlow(file: string): string {
  return findProjectRoot(dirname(resolve(file)));
}
