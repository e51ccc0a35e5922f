/**
 * The journal file (`journal.ndjson` in a run directory): one header line, then one line
 * per finished call, appended as calls finish and written to disk in batches (each batch
 * fdatasync'd). A crash can tear the last line: reading ignores any line that does not
 * parse, so a torn record costs one call sent again, never the run.
 */
import { open, readFile, type FileHandle } from "node:fs/promises";
import type { Json } from "../../ir/types.js";
import type { LandRefJson } from "../../land/ref.js";

export const JOURNAL_FILE = "journal.ndjson";

export interface JournalHeader {
  journal: 1;
  flow: string;
  runId: string;
}

/** A finished call: its key, its step, and its output (`o`), or the land reference it answered with (`l`). */
export interface JournalRecord {
  k: string;
  s: string;
  o?: Json;
  l?: LandRefJson;
}

export interface JournalContents {
  header: JournalHeader | undefined;
  /** By key; the first record of a key wins. The raw line rides along, to be copied as is. */
  records: Map<string, { record: JournalRecord; line: string }>;
  /** Lines that did not parse (a torn last record after a crash). */
  torn: number;
}

export class JournalWriteError extends Error {
  constructor(path: string, options: { cause: unknown }) {
    super(`cannot write the run's journal ${path}: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
    this.name = "JournalWriteError";
  }
}

export async function readJournal(path: string): Promise<JournalContents> {
  const text = await readFile(path, "utf8");
  const records = new Map<string, { record: JournalRecord; line: string }>();
  let header: JournalHeader | undefined;
  let torn = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    // a last line without its newline was cut by a crash: whatever it holds, it is torn
    const complete = end >= 0;
    if (!complete) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    let parsed: unknown;
    try {
      parsed = complete ? JSON.parse(line) : undefined;
    } catch {
      parsed = undefined;
    }
    if (isRecord(parsed)) {
      if (!records.has(parsed.k)) records.set(parsed.k, { record: parsed, line });
    } else if (header === undefined && isHeader(parsed)) {
      header = parsed;
    } else {
      torn++;
    }
  }
  return { header, records, torn };
}

function isRecord(v: unknown): v is JournalRecord {
  if (v === null || typeof v !== "object") return false;
  const r = v as Record<string, unknown>;
  if (typeof r.k !== "string" || typeof r.s !== "string") return false;
  if ("o" in r) return !("l" in r);
  const l = r.l as Record<string, unknown> | null | undefined;
  return (
    l !== null &&
    typeof l === "object" &&
    typeof l.path === "string" &&
    typeof l.size === "number" &&
    // at least one hash, and neither of another type
    ((typeof l.sha256 === "string" && l.sha256 !== "") || (typeof l.xxh128 === "string" && l.xxh128 !== "")) &&
    (l.sha256 === undefined || typeof l.sha256 === "string") &&
    (l.xxh128 === undefined || typeof l.xxh128 === "string") &&
    typeof l.mediaType === "string"
  );
}

function isHeader(v: unknown): v is JournalHeader {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>).journal === 1;
}

/** How long a finished call may wait in memory before its batch goes to disk. */
const FLUSH_AFTER_MS = 50;
/** A batch this large goes to disk at once: the size of the buffer lines are written into. */
const FLUSH_BYTES = 1 << 20;
/** UTF-8 bytes per UTF-16 code unit at most: a line of n units fits in 3n bytes. */
const MAX_UTF8_PER_UNIT = 3;

/**
 * Appends lines in batches. A failed write is reported once through `onError` (the run
 * then fails: a journal that silently stopped would make a later resume send calls again
 * that had finished) and later appends are dropped.
 *
 * Each line is encoded into the batch's buffer as it comes, and the string is let go at
 * once: a hundred thousand calls a second would otherwise keep ~6,000 strings alive per
 * batch for the garbage collector to copy, and join and encode them all again at the flush.
 * Two buffers take turns: one fills while the other's batch is on its way to disk.
 */
export class JournalWriter {
  private buffer: Buffer = Buffer.allocUnsafeSlow(FLUSH_BYTES);
  /** The other buffer, when its batch is written. */
  private spare: Buffer | undefined;
  private used = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failed = false;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    private readonly onError: (err: JournalWriteError) => void,
  ) {}

  static async create(path: string, header: JournalHeader, onError: (err: JournalWriteError) => void): Promise<JournalWriter> {
    let file: FileHandle;
    try {
      file = await open(path, "a");
    } catch (cause) {
      throw new JournalWriteError(path, { cause });
    }
    const w = new JournalWriter(path, file, onError);
    w.append(JSON.stringify(header));
    return w;
  }

  /** Bytes appended and not yet handed to the file system. */
  get pendingBytes(): number {
    return this.used;
  }

  /** One line (no newline in it). */
  append(line: string): void {
    if (this.failed) return;
    // room for the line at its longest in UTF-8, and its newline
    const room = line.length * MAX_UTF8_PER_UNIT + 1;
    if (room > FLUSH_BYTES - this.used) {
      this.flush();
      if (room > FLUSH_BYTES) {
        // longer than a batch: a batch of its own
        this.enqueue(Buffer.from(line + "\n"), undefined);
        return;
      }
    }
    this.used += this.buffer.write(line, this.used);
    this.buffer[this.used++] = 0x0a;
    this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.used === 0) return;
    const full = this.buffer;
    const batch = full.subarray(0, this.used);
    this.buffer = this.spare ?? Buffer.allocUnsafeSlow(FLUSH_BYTES);
    this.spare = undefined;
    this.used = 0;
    this.enqueue(batch, full);
  }

  /** Writes `batch` after the batches before it; `buffer`, which holds it, is reused after. */
  private enqueue(batch: Buffer, buffer: Buffer | undefined): void {
    this.writing = this.writing.then(async () => {
      if (this.failed) return;
      try {
        await this.writeAll(batch);
        await this.file.datasync();
        if (buffer) this.spare = buffer;
      } catch (cause) {
        this.failed = true;
        this.onError(new JournalWriteError(this.path, { cause }));
      }
    });
  }

  /**
   * A write may take fewer bytes than it is given (a full disk, a file size limit): the rest
   * goes again, and then fails with the reason, instead of the batch's tail being lost.
   */
  private async writeAll(bytes: Buffer): Promise<void> {
    for (let at = 0; at < bytes.length;) {
      const { bytesWritten } = await this.file.write(bytes, at);
      if (bytesWritten <= 0) throw new Error(`wrote ${at} of ${bytes.length} bytes, then nothing more`);
      at += bytesWritten;
    }
  }

  /** Writes what is pending and closes the file; rejects when a write failed. */
  async close(): Promise<void> {
    this.flush();
    await this.writing;
    await this.file.close().catch(() => undefined);
    if (this.failed) throw new JournalWriteError(this.path, { cause: new Error("an earlier write failed") });
  }
}
