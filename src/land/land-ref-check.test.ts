/** Every land reference is checked when it is read: inside the land, its size, its hash (XXH128 or SHA-256). */
import { mkdtempSync, rmSync } from "node:fs";
import { symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readArrowTable, writeFloat64Columns } from "./arrow.js";
import { LandPathError, LandRefMismatchError } from "./errors.js";
import { Land } from "./land.js";
import { LandRef } from "./ref.js";
import { readTypedArray, writeTypedArray } from "./typed-arrays.js";

const root = mkdtempSync(join(tmpdir(), "qb-land-check-"));
const land = new Land(join(root));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function mismatch(p: Promise<unknown>): Promise<LandRefMismatchError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LandRefMismatchError);
  return err as LandRefMismatchError;
}

describe("reading by a land reference", () => {
  it("answers the bytes when the file matches its reference", async () => {
    const ref = await land.writeFile("ok.txt", "twelve bytes");
    expect((await land.readFile(ref)).toString()).toBe("twelve bytes");
    expect(await land.readText(ref)).toBe("twelve bytes");
  });

  it.each([
    ["longer", "twelve bytes and more", 21],
    ["shorter", "twelve", 6],
  ])("a file %s than its reference: LandRefMismatchError naming the path and both sizes", async (_, text, actual) => {
    const ref = await land.writeFile("size.txt", "twelve bytes");
    await writeFile(join(root, "size.txt"), text);
    const err = await mismatch(land.readFile(ref));
    expect(err).toMatchObject({ name: "LandRefMismatchError", path: "size.txt", problem: "mismatch", field: "size", expected: 12, actual });
    expect(err).toBeInstanceOf(LandPathError);
    expect(err.message).toContain('"size.txt"');
    expect(err.message).toContain(`size is ${actual} bytes, the reference says 12`);
  });

  it.each(["xxh128", "sha256"] as const)("a file of the same size with other bytes: a %s mismatch with both hashes", async (digest) => {
    const ref = await land.writeFile("hash.txt", "twelve bytes", { digest });
    await writeFile(join(root, "hash.txt"), "TWELVE BYTES");
    const other = (await land.ref("hash.txt", { digest }))[digest]!;
    const err = await mismatch(land.readText(ref));
    expect(err).toMatchObject({ path: "hash.txt", field: digest, expected: ref[digest], actual: other });
    expect(err.message).toContain(`${digest} is ${other}, the reference says ${ref[digest]}`);
  });

  it("a reference whose size or hash was forged", async () => {
    const ref = await land.writeFile("forged.txt", "abc");
    expect((await mismatch(land.readFile(new LandRef(ref.path, 1, "", ref.mediaType, undefined, ref.xxh128)))).field).toBe("size");
    expect((await mismatch(land.readFile(new LandRef(ref.path, 3, "", ref.mediaType, undefined, "0".repeat(32))))).field).toBe("xxh128");
    expect((await mismatch(land.readFile(new LandRef(ref.path, 3, "0".repeat(64), ref.mediaType)))).field).toBe("sha256");
  });

  it("a reference with both hashes is checked by its XXH128; one with neither is refused unless only the size is asked for", async () => {
    const ref = await land.writeFile("both.txt", "abc");
    // a wrong SHA-256 beside the right XXH128 is not looked at
    expect(await land.readText(new LandRef(ref.path, 3, "0".repeat(64), ref.mediaType, undefined, ref.xxh128))).toBe("abc");
    const bare = new LandRef(ref.path, 3, "", ref.mediaType);
    await expect(land.readFile(bare)).rejects.toThrow('land reference "both.txt" carries no hash (sha256 or xxh128)');
    // the file's own stamp does not make up for it
    await expect(land.readFile(new LandRef(ref.path, 3, "", ref.mediaType, ref.stamp))).rejects.toThrow("carries no hash");
    expect((await land.readFile(bare, { hash: false })).toString()).toBe("abc");
  });

  it.each([
    ["../../etc/passwd", "parent"],
    ["/etc/passwd", "absolute"],
    ["out/passwd", "escape"],
  ])("a reference to %s is refused before anything is read (%s)", async (path, problem) => {
    await symlink("/etc", join(root, "out")).catch(() => undefined);
    const err = await land.readFile(new LandRef(path, 1, "0".repeat(64), "text/plain")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LandPathError);
    expect(err).toMatchObject({ problem });
  });

  it("typed arrays and Arrow tables are read through the same checks", async () => {
    const a = await writeTypedArray(land, "a.f64", Float64Array.from([1, 2]));
    await writeFile(join(root, "a.f64"), new Uint8Array(16).fill(7));
    expect((await mismatch(readTypedArray(land, a, "float64"))).field).toBe("xxh128");
    const t = await writeFloat64Columns(land, "t.arrow", { x: Float64Array.from([1, 2]) });
    await writeFile(join(root, "t.arrow"), "ARROW1ARROW1");
    expect((await mismatch(readArrowTable(land, t))).field).toBe("size");
  });
});

describe("the writer's stamp: a file left as it was written is not hashed again", () => {
  /** `ref` with another XXH128: it reads only if the hash is not taken. */
  const wrongHash = (ref: LandRef): LandRef => new LandRef(ref.path, ref.size, "", ref.mediaType, ref.stamp, "0".repeat(32));

  it("a stamped file is read without its hash, unless the reader asks for it", async () => {
    const ref = await land.writeFile("stamped.txt", "twelve bytes");
    expect(ref.stamp).toMatch(/^\d+-\d+$/);
    // the wrong hash goes unnoticed: nothing was hashed
    expect((await land.readFile(wrongHash(ref))).toString()).toBe("twelve bytes");
    expect((await mismatch(land.readFile(wrongHash(ref), { hash: true }))).field).toBe("xxh128");
    // without a stamp, as a reference from a journal or from data comes, it is hashed
    expect((await mismatch(land.readFile(new LandRef(ref.path, ref.size, "0".repeat(64), ref.mediaType)))).field).toBe("sha256");
    expect((await mismatch(land.readFile(new LandRef(ref.path, ref.size, "", ref.mediaType, undefined, "0".repeat(32))))).field).toBe("xxh128");
  });

  it("a file written to in place has another mtime: it is hashed, and the change found", async () => {
    const ref = await land.writeFile("in-place.txt", "twelve bytes");
    // past any coarse clock tick of the file system's timestamps
    await new Promise((r) => setTimeout(r, 30));
    await writeFile(join(root, "in-place.txt"), "TWELVE BYTES");
    expect((await mismatch(land.readFile(ref))).field).toBe("xxh128");
  });

  it("a file replaced by another land write of the same size has another inode: hashed, the change found", async () => {
    const ref = await land.writeFile("replaced.txt", "twelve bytes");
    const again = await land.writeFile("replaced.txt", "TWELVE BYTES");
    expect(again.stamp).not.toBe(ref.stamp);
    expect((await mismatch(land.readFile(ref))).field).toBe("xxh128");
  });

  it("a forged stamp only makes the reader hash", async () => {
    const ref = await land.writeFile("forged-stamp.txt", "abc");
    const forged = new LandRef(ref.path, ref.size, "", ref.mediaType, "1-2", "0".repeat(32));
    expect((await mismatch(land.readFile(forged))).field).toBe("xxh128");
    expect(await land.readText(new LandRef(ref.path, ref.size, "", ref.mediaType, "1-2", ref.xxh128))).toBe("abc");
  });

  it("land.ref stamps a file already there, and typed arrays keep the stamp", async () => {
    await writeFile(join(root, "there.txt"), "already here");
    const ref = await land.ref("there.txt");
    expect(ref.stamp).toMatch(/^\d+-\d+$/);
    expect((await land.readFile(wrongHash(ref))).toString()).toBe("already here");
    const a = await writeTypedArray(land, "stamped.f64", Float64Array.from([1, 2, 3]));
    expect(Array.from(await readTypedArray(land, wrongHash(a), "float64"))).toEqual([1, 2, 3]);
  });
});
