/**
 * safe-path: a land path from data never leaves the land. Each refusal is pinned by its
 * class, its problem, the path it names and its message (users read the messages); each
 * acceptance by the exact path it resolves to, on real folders with real symlinks.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LandPathError, type LandPathProblem } from "./errors.js";
import { normalizeLandPath, resolveInLand } from "./safe-path.js";

function thrown(f: () => unknown, errorClass: typeof LandPathError = LandPathError): LandPathError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(errorClass);
    return e as LandPathError;
  }
  throw new Error("expected a LandPathError, nothing was thrown");
}

async function rejected(p: Promise<unknown>): Promise<LandPathError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LandPathError);
    return e as LandPathError;
  }
  throw new Error("expected a LandPathError, the promise resolved");
}

describe("normalizeLandPath", () => {
  it.each([
    ["a/b.csv", "a/b.csv"],
    ["a/", "a"],
    ["a\\", "a"],
    ["a/b//", "a/b"],
    ["./a//b/./c/", "a/b/c"],
    ["a\\\\b/\\c", "a/b/c"],
    ["data/C:/x", "data/C:/x"],
    ["notes/d:\\y", "notes/d:/y"],
    ["C:x", "C:x"],
    ["a..b/..c", "a..b/..c"],
  ])("%j → %j", (p, want) => expect(normalizeLandPath(p)).toBe(want));

  it.each<[string, LandPathProblem, string]>([
    ["", "empty", "land path is empty"],
    [".", "empty", 'land path "." names the land itself'],
    ["./", "empty", 'land path "./" names the land itself'],
    ["././/.", "empty", 'land path "././/." names the land itself'],
    ["a\u0000b", "nul", 'land path "a\\u0000b" contains a NUL byte'],
    ["/etc/passwd", "absolute", 'land path "/etc/passwd" is absolute; land paths are relative to the land'],
    ["C:\\x", "absolute", 'land path "C:\\\\x" is absolute; land paths are relative to the land'],
    ["z:/x", "absolute", 'land path "z:/x" is absolute; land paths are relative to the land'],
    ["..", "parent", 'land path ".." contains ".."'],
    ["a/../../b", "parent", 'land path "a/../../b" contains ".."'],
    ["a\\..\\b", "parent", 'land path "a\\\\..\\\\b" contains ".."'],
  ])("refuses %j: %s, with its message", (p, problem, message) => {
    const err = thrown(() => normalizeLandPath(p));
    expect(err).toMatchObject({ name: "LandPathError", path: p, problem, message });
  });

  it.each([
    [undefined, "undefined"],
    [null, "null"],
  ])("refuses a path that is not a string (%s) as empty", (p, shown) => {
    const err = thrown(() => normalizeLandPath(p as unknown as string));
    expect(err).toMatchObject({ name: "LandPathError", path: shown, problem: "empty", message: "land path is empty" });
  });
});

describe("normalizeLandPath where node:path is Windows'", () => {
  it.each(["\\Windows\\system.ini", "\\\\server\\share\\x"])("refuses the rooted path %j as absolute", async (p) => {
    vi.resetModules();
    vi.doMock("node:path", async () => (await vi.importActual<typeof import("node:path")>("node:path")).win32);
    try {
      const win = await import("./safe-path.js");
      const err = thrown(() => win.normalizeLandPath(p), (await import("./errors.js")).LandPathError);
      expect(err).toMatchObject({ path: p, problem: "absolute", message: `land path ${JSON.stringify(p)} is absolute; land paths are relative to the land` });
      expect(win.normalizeLandPath("a\\b")).toBe("a/b");
    } finally {
      vi.doUnmock("node:path");
      vi.resetModules();
    }
  });
});

describe("resolveInLand", () => {
  let tmp: string; // real path of the temp folder
  let root: string; // the land: <tmp>/land
  beforeAll(() => {
    tmp = realpathSync(mkdtempSync(join(tmpdir(), "qb-safe-path-")));
    root = join(tmp, "land");
    mkdirSync(join(root, "inner/deep"), { recursive: true });
    mkdirSync(join(tmp, "land-2"));
    writeFileSync(join(root, "inner/in.txt"), "inside");
    writeFileSync(join(tmp, "land-2/x.txt"), "next door");
    writeFileSync(join(tmp, "outside.txt"), "outside");
    symlinkSync(join(root, "inner"), join(root, "ok-link")); // stays inside
    symlinkSync("inner/in.txt", join(root, "ok-file")); // relative, stays inside
    symlinkSync(root, join(root, "self")); // the land itself
    symlinkSync(tmp, join(root, "out-link")); // leaves
    symlinkSync(join(tmp, "outside.txt"), join(root, "out-file")); // leaves
    symlinkSync(join(tmp, "land-2"), join(root, "sibling")); // leaves, to a folder whose name starts with the land's
    symlinkSync(join(tmp, "nowhere"), join(root, "dangling"));
    symlinkSync("loop-b", join(root, "loop-a"));
    symlinkSync("loop-a", join(root, "loop-b"));
    symlinkSync(root, join(tmp, "land-alias")); // the land reached through a symlink
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each([
    ["inner/in.txt", "inner/in.txt"],
    ["./inner//in.txt", "inner/in.txt"],
    ["inner", "inner"],
    ["inner/new.txt", "inner/new.txt"],
    ["inner/deep/a/b/c.txt", "inner/deep/a/b/c.txt"],
    ["new/dir/file.txt", "new/dir/file.txt"],
    ["ok-link", "inner"],
    ["ok-link/in.txt", "inner/in.txt"],
    ["ok-link/deep/new.txt", "inner/deep/new.txt"],
    ["ok-file", "inner/in.txt"],
    ["self", ""],
    ["self/inner/in.txt", "inner/in.txt"],
    ["self/new.txt", "new.txt"],
    ["out-link/land/inner/in.txt", "inner/in.txt"],
  ])("%j resolves to <land>/%s", async (p, want) => {
    expect(await resolveInLand(root, p)).toBe(want === "" ? root : join(root, want));
  });

  it("resolves under the land's real path when the land is given through a symlink", async () => {
    expect(await resolveInLand(join(tmp, "land-alias"), "inner/in.txt")).toBe(join(root, "inner/in.txt"));
    expect(await resolveInLand(join(tmp, "land-alias"), "new/x.txt")).toBe(join(root, "new/x.txt"));
    expect(await resolveInLand(join(tmp, "land-alias") + "/", "ok-link/in.txt")).toBe(join(root, "inner/in.txt"));
  });

  it.each([
    ["out-link", ""],
    ["out-link/outside.txt", "outside.txt"],
    ["out-link/new/file.txt", ""],
    ["out-file", "outside.txt"],
    ["sibling", "land-2"],
    ["sibling/x.txt", "land-2/x.txt"],
    ["sibling/new.txt", "land-2"],
    ["self/out-file", "outside.txt"],
  ])("refuses %j: it leaves the land through a symlink (to <tmp>/%s)", async (p, to) => {
    const real = to === "" ? tmp : join(tmp, to);
    const err = await rejected(resolveInLand(root, p));
    expect(err).toMatchObject({
      name: "LandPathError",
      path: p,
      problem: "escape",
      message: `land path ${JSON.stringify(p)} leaves the land through a symlink (to ${real})`,
    });
    expect(err.cause).toBeUndefined();
  });

  it.each([
    ["dangling", "ENOENT"],
    ["dangling/x.txt", "ENOENT"],
    ["./dangling", "ENOENT"],
    ["loop-a", "ELOOP"],
    ["loop-b/x", "ELOOP"],
  ])("refuses %j: it goes through a broken symlink (%s)", async (p, code) => {
    const err = await rejected(resolveInLand(root, p));
    expect(err).toMatchObject({ name: "LandPathError", path: p, problem: "escape", message: `land path ${JSON.stringify(p)} goes through a broken symlink` });
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.cause).toMatchObject({ code });
  });

  it.each<[string, LandPathProblem]>([
    ["", "empty"],
    [".", "empty"],
    ["../land-2/x.txt", "parent"],
    ["inner/../../outside.txt", "parent"],
    [join("/", "etc", "passwd"), "absolute"],
    ["in\u0000ner", "nul"],
  ])("refuses %j before touching the disk (%s)", async (p, problem) => {
    const err = await rejected(resolveInLand(join(tmp, "no-such-land"), p));
    expect(err).toMatchObject({ path: p, problem });
  });

  it("fails with the file system's error when the land itself does not exist", async () => {
    await expect(resolveInLand(join(tmp, "no-such-land"), "x.txt")).rejects.toMatchObject({ code: "ENOENT" });
  });
});
