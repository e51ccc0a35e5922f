/** A worker's `QB_LISTENING <address>` line, read from its log as the log grows. */
import { closeSync, openSync, readSync } from "node:fs";
import { parseListeningLine } from "../common/announce.js";

export class AnnouncementReader {
  private partial = "";

  constructor(
    private readonly path: string,
    /** Where this process's lines begin in the log. */
    private offset: number,
  ) {}

  /** The announced address, once the line is in the log. */
  read(): string | undefined {
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch {
      return undefined;
    }
    try {
      const buf = Buffer.allocUnsafe(64 * 1024);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        const lines = (this.partial + buf.toString("utf8", 0, n)).split("\n");
        this.partial = lines.pop() ?? "";
        for (const line of lines) {
          const address = parseListeningLine(line);
          if (address !== null) return address;
        }
      }
    } finally {
      closeSync(fd);
    }
    return undefined;
  }
}
