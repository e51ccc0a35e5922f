import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { projectFiles, type ProjectVersions } from "../init/templates.js";
import { UsageError } from "../errors.js";
import { ownPackage } from "../../common/own-package.js";

function ownVersions(): ProjectVersions {
  const pkg = ownPackage();
  return { quarterback: pkg.version, tsx: pkg.devDependencies?.tsx ?? "^4" };
}

/** An npm package name from a folder's name: lower case, the characters npm allows. */
function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "");
  return name || "flows";
}

/** Writes a new project into `dir`; refuses a folder that holds anything but `.git`. */
export function initProject(dir: string): string[] {
  if (existsSync(dir)) {
    const there = readdirSync(dir).filter((f) => f !== ".git");
    if (there.length > 0)
      throw new UsageError(`init: ${dir} is not empty (${there.slice(0, 3).join(", ")}${there.length > 3 ? ", ..." : ""}): give a new or empty folder`);
  }
  const files = projectFiles(packageName(dir), ownVersions());
  for (const [path, text] of Object.entries(files)) {
    const to = join(dir, path);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, text, { flag: "wx" });
  }
  return Object.keys(files);
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("make a new project: a flow, a TypeScript worker, a test, and package.json")
    .argument("[dir]", "the new project's folder (new or empty)", ".")
    .action((dir: string) => {
      const written = initProject(dir);
      const here = resolve(dir) === process.cwd();
      process.stdout.write(`qb init: wrote ${written.join(", ")}${here ? "" : ` in ${dir}`}\nnext:\n`);
      if (!here) process.stdout.write(`  cd ${dir}\n`);
      process.stdout.write(`  npm install\n  npx qb run flows/hello.flow\n  npm test\n`);
    });
}
