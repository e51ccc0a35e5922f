import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";

/**
 * A file read by lines as it grows: each `lines()` returns the complete lines appended
 * since the last call (a line's end split across two reads, or a UTF-8 character, waits
 * for the rest); `rest()` gives the last line when it never got its newline. A file that
 * is not there yet reads as empty. Reading starts at byte `offset` (0: the whole file).
 */
export class GrowingFile {
  private partial = "";
  private readonly decoder = new StringDecoder("utf8");

  constructor(
    readonly path: string,
    private offset = 0,
  ) {}

  lines(): string[] {
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch {
      return [];
    }
    const out: string[] = [];
    try {
      const buf = Buffer.allocUnsafe(64 * 1024);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        const parts = (this.partial + this.decoder.write(buf.subarray(0, n))).split("\n");
        this.partial = parts.pop() ?? "";
        for (const p of parts) out.push(p.endsWith("\r") ? p.slice(0, -1) : p);
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  /** The unterminated last line, if any (once: it is then consumed). */
  rest(): string[] | undefined {
    const last = this.partial + this.decoder.end();
    this.partial = "";
    return last === "" ? undefined : [last];
  }
}
