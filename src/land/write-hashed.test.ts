/** One pass: bytes written and hashed chunk by chunk, and read back and checked the same way. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LandRefMismatchError } from "./errors.js";
import { sha256Bytes } from "./hash.js";
import { Land } from "./land.js";
import { WRITE_CHUNK, writeHashed } from "./write-hashed.js";

const dir = mkdtempSync(join(tmpdir(), "qb-write-hashed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeHashed", () => {
  it("writes every byte and answers their SHA-256, across chunks, for an empty file too", async () => {
    for (const size of [0, 1, WRITE_CHUNK, 2 * WRITE_CHUNK + 12_345]) {
      const bytes = randomBytes(size);
      const path = join(dir, `w-${size}`);
      expect(await writeHashed(path, bytes)).toBe(sha256Bytes(bytes));
      expect(readFileSync(path).equals(bytes)).toBe(true);
    }
  });

  it("writes pieces one after another, each at its own offset, as one file and one hash", async () => {
    const bytes = randomBytes(WRITE_CHUNK + 3_000);
    // a piece over a chunk, an empty one, small ones: an offset taken from the piece and not the file breaks it
    const pieces = [bytes.subarray(0, 10), bytes.subarray(10, 10), bytes.subarray(10, WRITE_CHUNK + 20), bytes.subarray(WRITE_CHUNK + 20)];
    const path = join(dir, "pieces");
    expect(await writeHashed(path, pieces)).toBe(sha256Bytes(bytes));
    expect(readFileSync(path).equals(bytes)).toBe(true);
    const ref = await new Land(dir).writeFile("pieces.bin", pieces);
    expect(ref.size).toBe(bytes.length);
    expect(ref.sha256).toBe(sha256Bytes(bytes));
  });

  it("truncates a longer file it writes over", async () => {
    const path = join(dir, "over");
    writeFileSync(path, Buffer.alloc(100, 7));
    await writeHashed(path, Buffer.from("short"));
    expect(readFileSync(path, "utf8")).toBe("short");
  });
});

describe("the land reads a reference chunk by chunk", () => {
  it("reads a file of several chunks back whole, and refuses one changed in its last chunk", async () => {
    const land = new Land(dir);
    const bytes = randomBytes(2 * WRITE_CHUNK + 777);
    const ref = await land.writeFile("big.bin", bytes);
    expect((await land.readFile(ref)).equals(bytes)).toBe(true);
    const changed = Buffer.from(bytes);
    const last = changed.length - 1;
    changed.writeUInt8(changed.readUInt8(last) ^ 1, last);
    writeFileSync(join(dir, "big.bin"), changed);
    await expect(land.readFile(ref)).rejects.toBeInstanceOf(LandRefMismatchError);
  });

  it("with `hash: false` checks the size only: a changed byte passes, a changed size does not", async () => {
    const land = new Land(dir);
    const bytes = randomBytes(WRITE_CHUNK + 10);
    const ref = await land.writeFile("sized.bin", bytes);
    const changed = Buffer.from(bytes);
    changed.writeUInt8(changed.readUInt8(0) ^ 1, 0);
    writeFileSync(join(dir, "sized.bin"), changed);
    await expect(land.readFile(ref)).rejects.toThrow(/sha256/);
    expect((await land.readFile(ref, { hash: false })).equals(changed)).toBe(true);
    writeFileSync(join(dir, "sized.bin"), Buffer.concat([changed, Buffer.from("x")]));
    await expect(land.readFile(ref, { hash: false })).rejects.toThrow(/size/);
  });
});
