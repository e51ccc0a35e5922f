import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** A run directory that cannot hold a run; the CLI reports it as a usage error (exit 2). */
export class RunDirError extends Error {
  constructor(
    readonly dir: string,
    readonly why: string,
  ) {
    super(`run directory ${dir}: ${why}`);
    this.name = "RunDirError";
  }
}

/** Files a run leaves in its directory: their presence means the directory was used. */
const RUN_FILES = ["events.ndjson", "result.json", "run.json", "journal.ndjson"];

/**
 * Makes sure a given run directory can hold this run before anything starts: a directory
 * we can write (created if missing) that holds no earlier run, whose events would
 * otherwise be appended to and whose result overwritten. Throws RunDirError naming what
 * is wrong.
 */
export function prepareRunDir(dir: string, cwd = process.cwd()): void {
  const path = resolve(cwd, dir);
  const fail = (why: string): never => {
    throw new RunDirError(dir, why);
  };
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) fail("not a directory");
    const used = RUN_FILES.filter((f) => existsSync(join(path, f)));
    if (used.length) fail(`already holds a run (${used.join(", ")}); give a new directory or remove it`);
    writable(path, fail);
    return;
  }
  // the nearest existing ancestor must be a directory we may write into
  let parent = dirname(path);
  while (!existsSync(parent)) parent = dirname(parent);
  if (!statSync(parent).isDirectory()) fail(`${parent} is not a directory`);
  writable(parent, fail);
  // one level at a time: a recursive mkdir under /proc loops forever in Node 20
  const missing: string[] = [];
  for (let p = path; p !== parent; p = dirname(p)) missing.unshift(p);
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (err) {
      fail(`cannot create ${p} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
}

function writable(path: string, fail: (why: string) => never): void {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch {
    fail(`cannot write in ${path} (permission denied)`);
  }
}
