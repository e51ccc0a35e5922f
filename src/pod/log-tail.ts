import { closeSync, openSync, readSync, statSync } from "node:fs";

/** The last `lines` lines of a log file (reads at most 64 KiB from its end). */
export function logTail(path: string, lines = 20): string {
  try {
    const size = statSync(path).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    const fd = openSync(path, "r");
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf.toString("utf8").split("\n").filter((l) => l.trim() !== "").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
