/**
 * Which project a command works in: `--project DIR`, else `QB_PROJECT`, else the one found
 * (src/run/project-root.ts) from the flow's folder for commands given a flow, from the
 * current folder for the others (`qb runs`, `qb logs`, `qb ui`, `qb pond`).
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { findProjectRoot, projectRootOfFlow } from "../run/project-root.js";
import { UsageError } from "./errors.js";

let chosen: string | undefined;

/** Sets the project named by `--project` (from the program's preAction hook). */
export function chooseProject(dir: string | undefined): void {
  chosen = dir === undefined ? undefined : checked(resolve(dir), "--project");
}

function checked(dir: string, what: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${what} ${dir}: not a folder`);
  return dir;
}

function given(): string | undefined {
  if (chosen !== undefined) return chosen;
  const env = process.env.QB_PROJECT;
  return env === undefined || env === "" ? undefined : checked(resolve(env), "QB_PROJECT");
}

/** The project of a command that runs or reads the flow in `file`. */
export function flowProject(file: string): string {
  return given() ?? projectRootOfFlow(file);
}

/** The project of a command that reads runs or the pond: found from the current folder. */
export function commandProject(): string {
  return given() ?? findProjectRoot(process.cwd());
}

/** A path given on the command line means what it means in the shell: relative to the current folder. */
export function fromShell(path: string): string {
  return resolve(process.cwd(), path);
}

/** A run named on the command line: a run directory there (holding run.json) as an absolute path, else the id as given. */
export function shellRunRef(ref: string): string {
  return existsSync(join(fromShell(ref), "run.json")) ? fromShell(ref) : ref;
}
