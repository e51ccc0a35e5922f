/**
 * Path safety for the land. A land path is relative and '/'-separated; it may not be
 * absolute, contain "..", or contain NUL; and once symlinks are resolved it must still be
 * inside the land. The lexical checks are synchronous; the symlink check touches the disk.
 */
import { lstat, realpath } from "node:fs/promises";
import { isAbsolute, join, sep } from "node:path";
import { LandPathError } from "./errors.js";

/** Checks a land path without touching the disk and returns it normalized ("./a//b" → "a/b"). */
export function normalizeLandPath(path: string): string {
  if (typeof path !== "string" || path.length === 0) throw new LandPathError(String(path), "empty", "land path is empty");
  if (path.includes("\0")) throw new LandPathError(path, "nul", `land path ${JSON.stringify(path)} contains a NUL byte`);
  if (path.startsWith("/") || isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path)) {
    throw new LandPathError(path, "absolute", `land path ${JSON.stringify(path)} is absolute; land paths are relative to the land`);
  }
  const parts = path.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new LandPathError(path, "parent", `land path ${JSON.stringify(path)} contains ".."`);
  if (parts.length === 0) throw new LandPathError(path, "empty", `land path ${JSON.stringify(path)} names the land itself`);
  return parts.join("/");
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of `path` under the land `root`, refusing anything that leaves the land,
 * including through symlinks. The file need not exist; its deepest existing ancestor is
 * checked instead (so a write creates nothing outside the land).
 */
export async function resolveInLand(root: string, path: string): Promise<string> {
  const rel = normalizeLandPath(path);
  const realRoot = await realpath(root);
  const target = join(realRoot, ...rel.split("/"));
  // walk up to the deepest part that exists and resolve it
  const parts = rel.split("/");
  for (let n = parts.length; n >= 0; n--) {
    const p = join(realRoot, ...parts.slice(0, n));
    if (!(await exists(p))) continue;
    let real: string;
    try {
      real = await realpath(p);
    } catch (cause) {
      // a dangling symlink: where it points cannot be checked, so it is refused
      throw new LandPathError(path, "escape", `land path ${JSON.stringify(path)} goes through a broken symlink`, { cause });
    }
    if (!inside(realRoot, real)) {
      throw new LandPathError(path, "escape", `land path ${JSON.stringify(path)} leaves the land through a symlink (to ${real})`);
    }
    return n === parts.length ? real : join(real, ...parts.slice(n));
  }
  return target;
}
