/**
 * A replica's log lines around a byte offset (where the log stood when a call failed), or
 * its last lines when there is no offset. Reads a bounded window of the file, never all of it.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { LogLine } from "./model/view-types.js";

/** Bytes read each side of the offset; a line longer than that is cut. */
const WINDOW = 16 * 1024;

export interface LogWindow {
  lines: LogLine[];
  /** The offset asked for (clamped to the file), or null for the tail. */
  mark: number | null;
  size: number;
}

export function readLogWindow(path: string, options: { offset?: number; before?: number; after?: number } = {}): LogWindow | undefined {
  const before = options.before ?? 20;
  const after = options.after ?? 20;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const mark = options.offset === undefined ? null : Math.max(0, Math.min(size, Math.floor(options.offset)));
    const centre = mark ?? size;
    const start = Math.max(0, centre - WINDOW);
    const end = Math.min(size, centre + (mark === null ? 0 : WINDOW));
    const buf = Buffer.alloc(end - start);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    const lines: LogLine[] = [];
    let at = 0;
    while (at < got) {
      let nl = buf.indexOf(10, at);
      if (nl < 0 || nl >= got) nl = got;
      lines.push({ at: start + at, text: buf.subarray(at, nl).toString("utf8").replace(/\r$/, "") });
      at = nl + 1;
    }
    // a window that starts mid-file starts mid-line: that part line goes
    if (start > 0 && lines.length > 0) lines.shift();
    const cut = lines.findIndex((l) => l.at >= centre);
    const split = cut < 0 ? lines.length : cut;
    return { lines: lines.slice(Math.max(0, split - before), split + (mark === null ? 0 : after)), mark, size };
  } finally {
    closeSync(fd);
  }
}
