/** One pass: bytes written and hashed chunk by chunk, and read back and checked the same way. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xxhash128 } from "hash-wasm";
import { afterAll, describe, expect, it } from "vitest";
import { LandRefMismatchError } from "./errors.js";
import { sha256Bytes } from "./hash.js";
import { Land } from "./land.js";
import { WRITE_CHUNK, writeHashed } from "./write-hashed.js";

const dir = mkdtempSync(join(tmpdir(), "qb-write-hashed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeHashed", () => {
  it("writes every byte and answers their XXH128 or SHA-256, across chunks, for an empty file too", async () => {
    for (const size of [0, 1, WRITE_CHUNK, 2 * WRITE_CHUNK + 12_345]) {
      const bytes = randomBytes(size);
      const path = join(dir, `w-${size}`);
      expect(await writeHashed(path, bytes, "sha256")).toBe(sha256Bytes(bytes));
      expect(readFileSync(path).equals(bytes)).toBe(true);
      // hash-wasm's one-shot function, against the chunked one
      expect(await writeHashed(path, bytes, "xxh128")).toBe(await xxhash128(bytes));
      expect(readFileSync(path).equals(bytes)).toBe(true);
    }
  });

  it("hashes with XXH128 in its canonical form (xxHash's own test vectors)", async () => {
    // from xxHash's sanity checks: XXH128 of the empty input, seed 0, big-endian hex
    expect(await writeHashed(join(dir, "empty"), Buffer.alloc(0), "xxh128")).toBe("99aa06d3014798d86001c324468d497f");
  });

  it("writes pieces one after another, each at its own offset, as one file and one hash", async () => {
    const bytes = randomBytes(WRITE_CHUNK + 3_000);
    // a piece over a chunk, an empty one, small ones: an offset taken from the piece and not the file breaks it
    const pieces = [bytes.subarray(0, 10), bytes.subarray(10, 10), bytes.subarray(10, WRITE_CHUNK + 20), bytes.subarray(WRITE_CHUNK + 20)];
    const path = join(dir, "pieces");
    expect(await writeHashed(path, pieces, "sha256")).toBe(sha256Bytes(bytes));
    expect(readFileSync(path).equals(bytes)).toBe(true);
    const ref = await new Land(dir).writeFile("pieces.bin", pieces);
    expect(ref.size).toBe(bytes.length);
    // XXH128 unless asked: the hash is only an identity
    expect(ref.xxh128).toBe(await xxhash128(bytes));
    expect(ref.sha256).toBe("");
    const sha = await new Land(dir).writeFile("pieces-sha.bin", pieces, { digest: "sha256" });
    expect(sha.sha256).toBe(sha256Bytes(bytes));
    expect(sha.xxh128).toBeUndefined();
  });

  it("truncates a longer file it writes over", async () => {
    const path = join(dir, "over");
    writeFileSync(path, Buffer.alloc(100, 7));
    await writeHashed(path, Buffer.from("short"), "xxh128");
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
    await expect(land.readFile(ref)).rejects.toThrow(/xxh128/);
    expect((await land.readFile(ref, { hash: false })).equals(changed)).toBe(true);
    writeFileSync(join(dir, "sized.bin"), Buffer.concat([changed, Buffer.from("x")]));
    await expect(land.readFile(ref, { hash: false })).rejects.toThrow(/size/);
  });
});
