/**
 * The hashes a land reference can carry, and which one a reader checks.
 *
 * XXH3-128 (xxHash's XXH128) is what our SDKs write. There the hash is only an identity: it
 * tells a reader that the file is the one its writer referenced (not cut short, replaced or
 * written over), between processes of one pod that trust each other, and it keys resumed
 * calls; nobody gains by forging one, because whoever could write the file could write its
 * reference too. At ~4 GB/s here (WebAssembly, hash-wasm) it costs less than half of
 * SHA-256's time. SHA-256 stays for a writer that wants a cryptographic hash
 * (`writeFile(..., { digest: "sha256" })`) and for references made by workers that only
 * know it.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { LandRef } from "./ref.js";

export type DigestKind = "xxh128" | "sha256";

/** What land references are written with unless the writer says otherwise. */
export const DEFAULT_DIGEST: DigestKind = "xxh128";

/** An incremental hash; `digest` gives lowercase hex (XXH128 in its canonical, big-endian form). */
export interface Hasher {
  update(bytes: Uint8Array): void;
  digest(): string;
}

/** Loaded when first used: a worker that never touches the land does not compile it. */
let wasm: Promise<typeof import("./xxh128-wasm.js")> | undefined;

export async function newHasher(kind: DigestKind): Promise<Hasher> {
  if (kind === "sha256") {
    const h = createHash("sha256");
    return { update: (bytes) => void h.update(bytes), digest: () => h.digest("hex") };
  }
  wasm ??= import("./xxh128-wasm.js");
  const h = await (await wasm).createXXHash128();
  h.init();
  return { update: (bytes) => void h.update(bytes), digest: () => h.digest("hex") };
}

/** A file's hash and size, read in one pass. */
export async function digestFile(path: string, kind: DigestKind): Promise<{ digest: string; size: number }> {
  const hash = await newHasher(kind);
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { digest: hash.digest(), size };
}

/** The hash a reader checks a reference's file against: its XXH128 when it has one, else its SHA-256; undefined when it has neither. */
export function checkedDigest(ref: Pick<LandRef, "sha256" | "xxh128">): { kind: DigestKind; expected: string } | undefined {
  if (ref.xxh128) return { kind: "xxh128", expected: ref.xxh128 };
  if (ref.sha256) return { kind: "sha256", expected: ref.sha256 };
  return undefined;
}

/** The reference's content identity, for keys: its XXH128 or its SHA-256, named. */
export function digestIdentity(ref: Pick<LandRef, "sha256" | "xxh128">): string {
  return ref.xxh128 ? `xxh128=${ref.xxh128}` : ref.sha256;
}
