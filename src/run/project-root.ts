/**
 * The project a flow belongs to: the folder its relative paths mean (worker `run` commands,
 * `glob` roots, the default pond) and where its runs are kept (`.qb/runs`). Like git
 * finding its repository, it is found, not assumed to be the current folder, so
 * `qb run path/to/x.flow` works from anywhere and leaves nothing in the current folder.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * What marks a project's folder: a `package.json` (`qb init` writes one) or a `.git`. Not
 * `.qb`: runs make that folder themselves, so a stray `/tmp/.qb` would capture every flow
 * under `/tmp`.
 */
const MARKERS = ["package.json", ".git"];

/** The nearest folder, from `start` up, holding a marker; undefined when none up to `/` does. */
export function markedRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (MARKERS.some((m) => existsSync(join(dir, m)))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The project found from `start` (the current folder, for `qb runs` and the like), else `start` itself. */
export function findProjectRoot(start: string): string {
  return markedRoot(start) ?? resolve(start);
}

/**
 * The project of the flow in `file`: found from the flow's own folder; a flow in no project
 * (a file under /tmp) belongs to the folder the command runs in, `cwd`.
 */
export function projectRootOfFlow(file: string, cwd: string = process.cwd()): string {
  return markedRoot(dirname(resolve(cwd, file))) ?? resolve(cwd);
}
