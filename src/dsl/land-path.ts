/**
 * Land paths as the compiler sees them. The rules are the run's (src/land/safe-path.ts):
 * relative, no `..` at all (not even one that stays under the land), no NUL; `./` and
 * doubled `/` are dropped. A flow that checks must not have its sink refused when it runs.
 */
export type LandFile = { ok: true; path: string } | { ok: false; why: "outside" | "not-a-file" } | { ok: false; why: "parent"; suggestion: string };

/** True when a path is absolute (or carries a NUL, which no file name can). */
export function isAbsoluteLandPath(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path) || path.includes("\0");
}

/** True when a land path is absolute or climbs out with `..` (for glob patterns). */
export function escapesLand(path: string): boolean {
  if (isAbsoluteLandPath(path)) return true;
  let depth = 0;
  for (const part of path.split(/[\\/]+/)) {
    if (part === "..") depth--;
    else if (part !== "." && part !== "") depth++;
    if (depth < 0) return true;
  }
  return false;
}

/** The file an `into land(path)` writes, normalized ("./a//b" → "a/b"), or why it cannot be one. */
export function landFile(path: string): LandFile {
  if (isAbsoluteLandPath(path)) return { ok: false, why: "outside" };
  const parts = path.split(/[\\/]/);
  if (parts.includes("..")) {
    // what the path means, without `..`, when it stays under the land
    const kept: string[] = [];
    let climbs = false;
    for (const part of parts) {
      if (part === "..") climbs ||= kept.pop() === undefined;
      else if (part !== "" && part !== ".") kept.push(part);
    }
    if (climbs) return { ok: false, why: "outside" };
    return kept.length ? { ok: false, why: "parent", suggestion: kept.join("/") } : { ok: false, why: "not-a-file" };
  }
  const last = parts[parts.length - 1]!;
  const named = parts.filter((p) => p !== "" && p !== ".");
  // `out/` or `out/.` names a folder, `.` the land itself
  if (named.length === 0 || last === "" || last === ".") return { ok: false, why: "not-a-file" };
  return { ok: true, path: named.join("/") };
}
