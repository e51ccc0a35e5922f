/** Files in and out of a run: glob sources and `into land(...)` sinks. */
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { Json } from "../ir/types.js";
import { resolveInLand } from "../land/safe-path.js";

/**
 * Files matching `pattern` under `root` (relative to `cwd`), or under the land when root is
 * null, sorted by path: items `{path, file, size}` with `path` relative to the root and
 * `file` absolute. None matching an `exclude` pattern; none in a `node_modules` folder
 * unless the pattern names one (dot folders such as `.git` only when the pattern does).
 */
export async function* globFiles(
  pattern: string,
  root: string | null,
  where: { cwd: string; land: string },
  exclude: readonly string[] = [],
): AsyncGenerator<Json> {
  const base = root === null ? where.land : resolve(where.cwd, root);
  const info = await stat(base).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot list ${root === null ? "the land" : `folder ${root}`} (${base}): ${err.code === "ENOENT" ? "no such folder" : err.message}`, {
      cause: err,
    });
  });
  if (!info.isDirectory()) throw new Error(`cannot list ${base}: not a folder`);
  // loaded on first use: most flows never glob, and it is ~4 ms of every `qb run`'s startup
  const { glob } = await import("tinyglobby");
  const ignore = [...exclude, ...(pattern.split("/").includes("node_modules") ? [] : ["**/node_modules/**"])];
  const files = await glob(pattern, { cwd: base, onlyFiles: true, dot: false, followSymbolicLinks: root !== null, expandDirectories: false, ignore });
  files.sort();
  for (const path of files) {
    const file = resolve(base, path);
    // a symlink in the land must not lead a glob out of it
    if (root === null) {
      const rel = relative(where.land, await resolveInLand(where.land, path));
      if (rel.startsWith(`..${sep}`) || isAbsolute(rel)) continue;
    }
    const size = (await stat(file).catch(() => ({ size: 0 }))).size;
    yield { path, file, size };
  }
}

/**
 * Writes every item as one JSON line to `path` under the land. The file appears only once
 * complete (written beside it, then renamed), so a failed run leaves no half file.
 */
export async function writeLandJsonl(land: string, path: string, items: AsyncIterable<Json>): Promise<void> {
  const target = await resolveInLand(land, path);
  await mkdir(dirname(target), { recursive: true });
  const temp = `${target}.part-${process.pid}`;
  const out = createWriteStream(temp);
  const finished = new Promise<void>((res, rej) => {
    out.on("finish", res);
    out.on("error", rej);
  });
  try {
    for await (const v of items) {
      if (!out.write(JSON.stringify(v) + "\n")) await new Promise<void>((r) => out.once("drain", () => r()));
    }
    out.end();
    await finished;
    await rename(temp, target);
  } catch (err) {
    out.destroy();
    await rm(temp, { force: true });
    throw err;
  }
}
