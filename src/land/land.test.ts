/** Land path safety: relative paths only, no "..", no way out through symlinks. */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xxhash128 } from "hash-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LandPathError } from "./errors.js";
import { Land } from "./land.js";
import { LandRef, mediaTypeFor } from "./ref.js";
import { normalizeLandPath } from "./safe-path.js";

let dir: string;
let land: Land;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "qb-land-"));
  await mkdir(join(dir, "land/inner"), { recursive: true });
  await writeFile(join(dir, "outside.txt"), "outside");
  await writeFile(join(dir, "land/inner/in.txt"), "inside");
  await symlink(join(dir, "land/inner"), join(dir, "land/ok-link")); // stays inside
  await symlink(dir, join(dir, "land/out-link")); // leaves
  await symlink(join(dir, "outside.txt"), join(dir, "land/out-file")); // leaves
  await symlink(join(dir, "nowhere"), join(dir, "land/dangling"));
  land = new Land(join(dir, "land"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function problem(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof LandPathError) return e.problem;
    throw e;
  }
  return undefined;
}

async function asyncProblem(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LandPathError) return e.problem;
    throw e;
  }
  return undefined;
}

describe("normalizeLandPath", () => {
  it.each([
    ["a/b.csv", "a/b.csv"],
    ["./a//b/./c", "a/b/c"],
    ["dir\\file", "dir/file"],
  ])("%s → %s", (p, want) => expect(normalizeLandPath(p)).toBe(want));

  it.each([
    ["", "empty"],
    [".", "empty"],
    ["/etc/passwd", "absolute"],
    ["C:\\x", "absolute"],
    ["..", "parent"],
    ["a/../../b", "parent"],
    ["a/..", "parent"],
    ["a\u0000b", "nul"],
  ])("refuses %j (%s)", (p, want) => expect(problem(() => normalizeLandPath(p))).toBe(want));
});

describe("Land", () => {
  it("reads inside the land, also through a symlink that stays inside", async () => {
    expect(await land.readText("inner/in.txt")).toBe("inside");
    expect(await land.readText("ok-link/in.txt")).toBe("inside");
  });

  it.each(["out-link/outside.txt", "out-file", "dangling", "dangling/x"])("refuses %s: a symlink out of the land", async (p) => {
    expect(await asyncProblem(land.readFile(p))).toBe("escape");
  });

  it("refuses to write through a symlink out of the land, and creates nothing outside", async () => {
    const before = await readdir(dir);
    expect(await asyncProblem(land.writeFile("out-link/new/file.txt", "x"))).toBe("escape");
    expect(await asyncProblem(land.writeFile("out-file", "x"))).toBe("escape");
    expect(await readdir(dir)).toEqual(before);
  });

  it("writes atomically, creating folders, and returns a reference with size, XXH128, media type", async () => {
    const ref = await land.writeFile("results/run 1/pi.json", '{"pi":3.14}');
    expect(ref).toBeInstanceOf(LandRef);
    expect(ref.toJSON()).toEqual({ path: "results/run 1/pi.json", size: 11, xxh128: await xxhash128('{"pi":3.14}'), mediaType: "application/json" });
    // SHA-256 when asked for
    const sha = await land.writeFile("results/run 1/pi-sha.json", '{"pi":3.14}', { digest: "sha256" });
    expect(sha.toJSON()).toEqual(
      new LandRef("results/run 1/pi-sha.json", 11, createHash("sha256").update('{"pi":3.14}').digest("hex"), "application/json").toJSON(),
    );
    // the file's inode and mtime in ns, as the writer left it
    const st = await stat(join(dir, "land/results/run 1/pi.json"), { bigint: true });
    expect(ref.stamp).toBe(`${st.ino}-${st.mtimeNs}`);
    expect((await readdir(join(dir, "land/results/run 1"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(await land.readText(ref)).toBe('{"pi":3.14}');
    expect(await land.ref("results/run 1/pi.json")).toEqual(ref);
  });

  it("reading by a reference that does not match the file fails with problem mismatch", async () => {
    const ref = await land.writeFile("m.bin", new Uint8Array([1, 2, 3]));
    await writeFile(join(dir, "land/m.bin"), new Uint8Array([1, 2, 4]));
    expect(await asyncProblem(land.readFile(ref))).toBe("mismatch");
    // by path, the file is read as it is
    await expect(land.readFile(ref.path)).resolves.toEqual(Buffer.from([1, 2, 4]));
  });

  it("ref of a folder fails with not-a-file; exists() answers without throwing for missing files", async () => {
    expect(await asyncProblem(land.ref("inner"))).toBe("not-a-file");
    expect(await land.exists("inner/in.txt")).toBe(true);
    expect(await land.exists("inner/missing")).toBe(false);
    await expect(land.exists("../outside.txt")).rejects.toBeInstanceOf(LandPathError);
  });

  it("guesses media types from the extension", () => {
    expect(mediaTypeFor("a/b.CSV")).toBe("text/csv");
    expect(mediaTypeFor("x.parquet")).toBe("application/vnd.apache.parquet");
    expect(mediaTypeFor("dir.d/noext")).toBe("application/octet-stream");
    expect(mediaTypeFor(".hidden")).toBe("application/octet-stream");
  });
});
