/**
 * The land as a worker sees it (`ctx.land`): read and write files under the pod's scratch
 * directory by land path, and make or check land references. Every path goes through
 * {@link resolveInLand}, so nothing outside the land is read or written; every read by
 * reference checks the file's size, and its hash (digest.ts) unless the file still has the
 * stamp its writer gave the reference (stamp.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { LandPathError } from "./errors.js";
import { DEFAULT_DIGEST, digestFile, type DigestKind } from "./digest.js";
import { readByRef, type ReadRefOptions } from "./read-ref.js";
import { LandRef, mediaTypeFor } from "./ref.js";
import { normalizeLandPath, resolveInLand } from "./safe-path.js";
import { stampOf } from "./stamp.js";
import { writeHashed } from "./write-hashed.js";

export interface WriteOptions {
  /** Defaults to a guess from the file name. */
  mediaType?: string;
  /**
   * The reference's hash: XXH3-128 (the default, fast: the hash is only an identity) or
   * SHA-256, for a reader that wants a cryptographic one (digest.ts).
   */
  digest?: DigestKind;
}

export class Land {
  /** @param root the land directory (absolute); it must exist. */
  constructor(readonly root: string) {}

  /** The absolute path of a land path, after every safety check. */
  resolve(path: string): Promise<string> {
    return resolveInLand(this.root, path);
  }

  /**
   * A file's bytes, by land path or by reference. By reference, the file must have the
   * reference's size and hash, else LandRefMismatchError (the hash is taken unless the
   * file still has the reference's stamp, or as `options.hash` says); a path is read as it is.
   */
  async readFile(from: string | LandRef, options: ReadRefOptions = {}): Promise<Buffer> {
    if (typeof from === "string") return readFile(await this.resolve(from));
    return readByRef(await this.resolve(from.path), from, options);
  }

  async readText(from: string | LandRef): Promise<string> {
    return (await this.readFile(from)).toString("utf8");
  }

  /** Writes a file atomically (temporary file + rename) and returns its reference; `data` may come in pieces, written one after another. */
  async writeFile(path: string, data: string | Uint8Array | readonly Uint8Array[], options: WriteOptions = {}): Promise<LandRef> {
    const rel = normalizeLandPath(path);
    const abs = await this.resolve(rel);
    await mkdir(dirname(abs), { recursive: true });
    // the parent now exists: check again, in case it is a symlink created meanwhile
    const checked = await this.resolve(rel);
    const tmp = `${checked}.${randomBytes(6).toString("hex")}.tmp`;
    // text encoded once, for the file and its hash (encoding 200 MB takes a second here)
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    const kind = options.digest ?? DEFAULT_DIGEST;
    let digest: string;
    let stamp: string;
    try {
      // hashed while it is written (write-hashed.ts)
      digest = await writeHashed(tmp, bytes, kind);
      // the rename keeps the inode and the mtime
      stamp = stampOf(await stat(tmp, { bigint: true }));
      await rename(tmp, checked);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const size = ArrayBuffer.isView(bytes) ? bytes.length : bytes.reduce((n, piece) => n + piece.length, 0);
    return refWith(rel, size, kind, digest, options.mediaType ?? mediaTypeFor(rel), stamp);
  }

  /** A reference to a file already on the land; stamped when the file did not change while it was hashed. */
  async ref(path: string, options: WriteOptions = {}): Promise<LandRef> {
    const rel = normalizeLandPath(path);
    const abs = await this.resolve(rel);
    const st = await stat(abs, { bigint: true });
    if (!st.isFile()) throw new LandPathError(path, "not-a-file", `land path ${JSON.stringify(path)} is not a regular file`);
    const kind = options.digest ?? DEFAULT_DIGEST;
    const { digest, size } = await digestFile(abs, kind);
    const before = stampOf(st);
    const stamp = BigInt(size) === st.size && stampOf(await stat(abs, { bigint: true })) === before ? before : undefined;
    return refWith(rel, size, kind, digest, options.mediaType ?? mediaTypeFor(rel), stamp);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await stat(await this.resolve(path));
      return true;
    } catch (err) {
      if (err instanceof LandPathError) throw err;
      return false;
    }
  }
}

function refWith(path: string, size: number, kind: DigestKind, digest: string, mediaType: string, stamp: string | undefined): LandRef {
  return kind === "sha256" ? new LandRef(path, size, digest, mediaType, stamp) : new LandRef(path, size, "", mediaType, stamp, digest);
}
