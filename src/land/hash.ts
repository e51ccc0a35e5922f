/** SHA-256 of bytes or of a file, as lowercase hex. */
import { createHash } from "node:crypto";
import { digestFile } from "./digest.js";

export function sha256Bytes(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const { digest, size } = await digestFile(path, "sha256");
  return { sha256: digest, size };
}
