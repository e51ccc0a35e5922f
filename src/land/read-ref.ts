/**
 * Reading a file by its land reference: the bytes are answered only when their size and
 * hash (its XXH128, or its SHA-256: digest.ts) are the reference's. One pass: each chunk is
 * hashed as it is read. A file that still has the stamp its writer put in the reference
 * (stamp.ts) is not hashed again.
 */
import { open } from "node:fs/promises";
import { checkedDigest, newHasher } from "./digest.js";
import { LandPathError, LandRefMismatchError } from "./errors.js";
import type { LandRef } from "./ref.js";
import { stampOf } from "./stamp.js";

/** Bytes per read: large enough that a read costs about as long as hashing it. */
const CHUNK = 8 << 20;

/** How a reference's file is checked: its size always; its hash as `hash` says. */
export interface ReadRefOptions {
  /**
   * Unset: the hash unless the file still has the reference's stamp (the writer's inode
   * and mtime: nothing replaced or wrote to it since). true: the hash always. false: the
   * size only, for a file that whoever hands over the reference wrote moments ago for this
   * reader alone (a pond result the quarterback answers with).
   */
  hash?: boolean;
}

/** Reads `abs`, the reference's path already resolved inside the land, and checks it against `ref`. */
export async function readByRef(abs: string, ref: LandRef, options: ReadRefOptions = {}): Promise<Buffer> {
  const file = await open(abs, "r");
  try {
    const st = await file.stat({ bigint: true });
    if (!st.isFile()) throw new LandPathError(ref.path, "not-a-file", `land path ${JSON.stringify(ref.path)} is not a regular file`);
    // known before a byte is read: a forged size over a big file reads nothing
    if (st.size !== BigInt(ref.size)) throw new LandRefMismatchError(ref.path, "size", ref.size, Number(st.size));
    const data = Buffer.allocUnsafe(ref.size);
    const digest = checkedDigest(ref);
    // refused whether or not it would be hashed: a reference is its size and its hash
    if (digest === undefined && options.hash !== false)
      throw new LandPathError(ref.path, "mismatch", `land reference ${JSON.stringify(ref.path)} carries no hash (sha256 or xxh128) to check the file against`);
    const unchanged = options.hash === undefined && ref.stamp !== undefined && stampOf(st) === ref.stamp;
    const check = options.hash === false || unchanged ? undefined : digest;
    const hash = check === undefined ? undefined : await newHasher(check.kind);
    let at = 0;
    // the next chunk is read by the thread pool while this one is hashed here
    let reading = data.length > 0 ? file.read(data, 0, Math.min(CHUNK, data.length), 0) : undefined;
    while (reading) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) throw new LandRefMismatchError(ref.path, "size", ref.size, at); // shrank while read
      const next = at + bytesRead;
      reading = next < data.length ? file.read(data, next, Math.min(CHUNK, data.length - next), next) : undefined;
      hash?.update(data.subarray(at, next));
      at = next;
    }
    const { bytesRead: more } = await file.read(Buffer.alloc(1), 0, 1, at);
    if (more > 0) throw new LandRefMismatchError(ref.path, "size", ref.size, (await file.stat()).size); // grew while read
    const actual = hash?.digest();
    if (check !== undefined && actual !== check.expected) throw new LandRefMismatchError(ref.path, check.kind, check.expected, actual!);
    return data;
  } finally {
    await file.close();
  }
}
