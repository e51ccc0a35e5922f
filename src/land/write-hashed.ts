/**
 * Writing bytes to a new file and hashing them in one pass: each chunk is handed to the
 * thread pool to be written and hashed here while it is, so the hash costs no time of its
 * own on top of the write (a whole-buffer `writeFile` issues one 512 KiB write at a time
 * from this thread, which a hash of the whole buffer would hold up).
 */
import { open } from "node:fs/promises";
import { newHasher, type DigestKind } from "./digest.js";

/** Bytes per write: large enough that a write costs about as long as hashing it. */
export const WRITE_CHUNK = 8 << 20;

/** Writes `bytes` (one buffer, or pieces one after another) to `path` (created, or truncated) and returns their hash (`kind`) as hex. */
export async function writeHashed(path: string, bytes: Uint8Array | readonly Uint8Array[], kind: DigestKind): Promise<string> {
  const hash = await newHasher(kind);
  const file = await open(path, "w");
  try {
    let offset = 0;
    for (const piece of ArrayBuffer.isView(bytes) ? [bytes] : bytes) {
      for (let at = 0; at < piece.length;) {
        const chunk = piece.subarray(at, Math.min(at + WRITE_CHUNK, piece.length));
        const writing = file.write(chunk, 0, chunk.length, offset);
        hash.update(chunk); // while the thread pool writes it
        let done = (await writing).bytesWritten;
        // a short write: the rest of the chunk, already hashed
        while (done < chunk.length) done += (await file.write(chunk, done, chunk.length - done, offset + done)).bytesWritten;
        at += chunk.length;
        offset += chunk.length;
      }
    }
  } finally {
    await file.close();
  }
  return hash.digest();
}
