/**
 * A file's stamp: its inode number and its modification time in nanoseconds, taken by the
 * writer after the last byte. A reader whose file still has the stamp of its reference
 * need not hash it again (land/read-ref.ts): a file replaced (a rename onto the path, as
 * every land write does) has another inode, and one written to in place another mtime.
 * Not a proof against a process that sets mtimes back on purpose; a reference without a
 * stamp, or a file whose stamp differs, is hashed in full.
 */
import type { BigIntStats } from "node:fs";

export function stampOf(st: BigIntStats): string {
  return `${st.ino}-${st.mtimeNs}`;
}
