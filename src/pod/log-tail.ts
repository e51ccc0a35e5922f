import { closeSync, openSync, readSync, statSync } from "node:fs";

/**
 * The last `lines` lines of a log file, written at or after byte `from` (a restarted
 * replica appends to its predecessor's log: its tail starts where its own lines do).
 * Reads at most 64 KiB from the end.
 */
export function logTail(path: string, lines = 20, from = 0): string {
  try {
    const size = statSync(path).size;
    const len = Math.max(0, Math.min(size - from, 64 * 1024));
    const buf = Buffer.alloc(len);
    const fd = openSync(path, "r");
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf
      .toString("utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .slice(-lines)
      .join("\n");
  } catch {
    return "";
  }
}
