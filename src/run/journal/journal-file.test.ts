/**
 * journal-file: reading tolerates what a crash leaves (a torn last line, a garbage line)
 * and counts it; the writer's batches reach the file, and a failed write is never silent.
 * Real files in a temp folder throughout.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { freshDirPerTest } from "../../../test/support/temp-dir.js";
import { JournalWriteError, JournalWriter, readJournal, type JournalHeader } from "./journal-file.js";

const tmp = freshDirPerTest("qb-journal-file-", () => vi.useRealTimers());

const HEADER: JournalHeader = { journal: 1, flow: "f", runId: "r1" };
const H = JSON.stringify(HEADER);
const LAND = { path: "out/a.bin", size: 3, sha256: "c".repeat(64), mediaType: "application/octet-stream" };

async function readText(text: string): Promise<Awaited<ReturnType<typeof readJournal>>> {
  const path = join(tmp.path, "journal.ndjson");
  writeFileSync(path, text);
  return readJournal(path);
}

/** The writer's file handle, to pull out from under it. */
function handleOf(w: JournalWriter): FileHandle {
  return (w as unknown as { file: FileHandle }).file;
}

describe("readJournal", () => {
  it("reads the header and each record with its raw line", async () => {
    const a = '{"k":"A","s":"step1","o":{"x":1}}';
    const b = `{"s":"step2", "k":"B", "l":${JSON.stringify(LAND)}}`;
    const j = await readText(`${H}\n${a}\n${b}\n`);
    expect(j.header).toEqual(HEADER);
    expect(j.torn).toBe(0);
    expect([...j.records.keys()]).toEqual(["A", "B"]);
    expect(j.records.get("A")).toEqual({ record: { k: "A", s: "step1", o: { x: 1 } }, line: a });
    // the line as written, spacing and key order included: it is copied as is
    expect(j.records.get("B")).toEqual({ record: { k: "B", s: "step2", l: LAND }, line: b });
  });

  it("keeps the first record of a key", async () => {
    const first = '{"k":"A","s":"s","o":1}';
    const j = await readText(`${H}\n${first}\n{"k":"A","s":"s","o":2}\n`);
    expect(j.records.size).toBe(1);
    expect(j.records.get("A")).toEqual({ record: { k: "A", s: "s", o: 1 }, line: first });
    expect(j.torn).toBe(0);
  });

  it.each<[string, string, string[], number, JournalHeader | undefined]>([
    // what, text, keys read, torn, header read
    ["an empty file", "", [], 0, undefined],
    ["a header only", `${H}\n`, [], 0, HEADER],
    ["blank lines, skipped", `${H}\n\n{"k":"A","s":"s","o":1}\n\n`, ["A"], 0, HEADER],
    ["a torn last line (no newline)", `${H}\n{"k":"A","s":"s","o":1}\n{"k":"B","s":"s","o":[1,`, ["A"], 1, HEADER],
    ["a last line without its newline, however whole it looks", `${H}\n{"k":"A","s":"s","o":1}\n{"k":"B","s":"s","o":2}`, ["A"], 1, HEADER],
    ["a header without its newline", H, [], 1, undefined],
    ["a garbage line in the middle", `${H}\n{"k":"A","s":"s","o":1}\n{"k":"B","s":\n{"k":"C","s":"s","o":3}\n`, ["A", "C"], 1, HEADER],
    ["several bad lines", `${H}\nnot json\n[1,2]\n"str"\nnull\n{"k":"A","s":"s","o":1}\n`, ["A"], 4, HEADER],
    ["a second header", `${H}\n${H}\n{"k":"A","s":"s","o":1}\n`, ["A"], 1, HEADER],
    ["no header: records still read", `{"k":"A","s":"s","o":1}\n`, ["A"], 0, undefined],
    ["a header of another version", `{"journal":2,"flow":"f","runId":"r"}\n{"k":"A","s":"s","o":1}\n`, ["A"], 1, undefined],
    ["an object that is neither record nor header, first", `{"flow":"f"}\n${H}\n`, [], 1, HEADER],
  ])("%s", async (_what, text, keys, torn, header) => {
    const j = await readText(text);
    expect([...j.records.keys()]).toEqual(keys);
    expect(j.torn).toBe(torn);
    expect(j.header).toEqual(header);
  });

  it.each<[string, unknown]>([
    ["no k", { s: "s", o: 1 }],
    ["k not a string", { k: 1, s: "s", o: 1 }],
    ["no s", { k: "A", o: 1 }],
    ["s not a string", { k: "A", s: null, o: 1 }],
    ["neither o nor l", { k: "A", s: "s" }],
    ["both o and l", { k: "A", s: "s", o: 1, l: LAND }],
    ["l null", { k: "A", s: "s", l: null }],
    ["l not an object", { k: "A", s: "s", l: "out/a.bin" }],
    ...(["path", "size", "sha256", "mediaType"] as const).map((f): [string, unknown] => [`l without ${f}`, { k: "A", s: "s", l: { ...LAND, [f]: undefined } }]),
    ["l with a string size", { k: "A", s: "s", l: { ...LAND, size: "3" } }],
    ["l with a numeric path", { k: "A", s: "s", l: { ...LAND, path: 1 } }],
    ["l with an empty sha256 and no xxh128", { k: "A", s: "s", l: { ...LAND, sha256: "" } }],
    ["l with empty hashes", { k: "A", s: "s", l: { ...LAND, sha256: "", xxh128: "" } }],
    ["l with a numeric xxh128", { k: "A", s: "s", l: { ...LAND, sha256: undefined, xxh128: 1 } }],
  ])("a line that is no record (%s) counts as torn", async (_what, value) => {
    const j = await readText(`${H}\n${JSON.stringify(value)}\n`);
    expect(j.records.size).toBe(0);
    expect(j.torn).toBe(1);
  });

  it.each<[string, unknown]>([
    ["o null", { k: "A", s: "s", o: null }],
    ["o false", { k: "A", s: "s", o: false }],
    ["o a land-shaped object (data)", { k: "A", s: "s", o: { $land: LAND } }],
    ["an empty step", { k: "A", s: "", o: 0 }],
    ["an unknown extra field", { k: "A", s: "s", o: 1, x: 2 }],
    ["l with an xxh128 and no sha256", { k: "A", s: "s", l: { path: "out/a.bin", size: 3, xxh128: "ab".repeat(16), mediaType: "application/octet-stream" } }],
  ])("a record with %s is read", async (_what, value) => {
    const j = await readText(`${H}\n${JSON.stringify(value)}\n`);
    expect(j.records.get("A")?.record).toEqual(value);
    expect(j.torn).toBe(0);
  });

  it("rejects with the file system's error when there is no journal", async () => {
    await expect(readJournal(join(tmp.path, "none.ndjson"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("JournalWriter", () => {
  const path = (): string => join(tmp.path, "journal.ndjson");

  it("writes the header and every appended line, in order, by close()", async () => {
    const errors: JournalWriteError[] = [];
    const w = await JournalWriter.create(path(), HEADER, (e) => errors.push(e));
    expect(w.path).toBe(path());
    const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ k: `K${i}`, s: "s", o: i }));
    for (const l of lines) w.append(l);
    await w.close();
    expect(readFileSync(path(), "utf8")).toBe([H, ...lines].join("\n") + "\n");
    const j = await readJournal(path());
    expect(j.header).toEqual(HEADER);
    expect(j.records.size).toBe(100);
    expect(j.torn).toBe(0);
    expect(errors).toEqual([]);
  });

  it("holds appends in memory for 50 ms, then writes them as one batch", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const w = await JournalWriter.create(path(), HEADER, () => undefined);
    w.append('{"k":"A","s":"s","o":1}');
    const write = vi.spyOn(handleOf(w), "write");
    await vi.advanceTimersByTimeAsync(49);
    expect(write).not.toHaveBeenCalled();
    expect(readFileSync(path(), "utf8")).toBe("");
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitUntil(() => readFileSync(path(), "utf8") !== "", { interval: 1, timeout: 5000 });
    expect(readFileSync(path(), "utf8")).toBe(`${H}\n{"k":"A","s":"s","o":1}\n`);
    expect(write).toHaveBeenCalledTimes(1);
    await w.close();
  });

  it("writes a batch of 1 MiB at once, without waiting", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const w = await JournalWriter.create(path(), HEADER, () => undefined);
    const big = JSON.stringify({ k: "BIG", s: "s", o: "x".repeat(1 << 20) });
    w.append(big);
    // no timer runs: only the size can have sent it
    for (let i = 0; i < 1000 && readFileSync(path(), "utf8").length < big.length; i++) await new Promise((r) => setImmediate(r));
    expect(readFileSync(path(), "utf8")).toBe(`${H}\n${big}\n`);
    await w.close();
  });

  it("lines of multi-byte text across many full batches arrive whole and in order", async () => {
    const w = await JournalWriter.create(path(), HEADER, () => undefined);
    // 3- and 4-byte UTF-8 (a surrogate pair is 2 code units, 4 bytes): a batch fills
    // faster than the lines' length in code units says, and a line must never be cut
    const lines = Array.from({ length: 4000 }, (_, i) => JSON.stringify({ k: `K${i}`, s: "s", o: "€😀".repeat(50 + (i % 200)) }));
    for (const l of lines) w.append(l);
    // a line longer than a whole batch, between the others
    const huge = JSON.stringify({ k: "H", s: "s", o: "€".repeat(400_000) });
    w.append(huge);
    w.append(lines[0]!);
    await w.close();
    expect(readFileSync(path(), "utf8")).toBe([H, ...lines, huge, lines[0]].join("\n") + "\n");
  });

  it("appends to a journal already there", async () => {
    writeFileSync(path(), "earlier\n");
    const w = await JournalWriter.create(path(), HEADER, () => undefined);
    await w.close();
    expect(readFileSync(path(), "utf8")).toBe(`earlier\n${H}\n`);
  });

  it("a failed write is reported once through onError, close() rejects, and later appends are dropped", async () => {
    const errors: JournalWriteError[] = [];
    const w = await JournalWriter.create(path(), HEADER, (e) => errors.push(e));
    const file = handleOf(w);
    await file.close();
    w.append('{"k":"A","s":"s","o":1}');
    await vi.waitUntil(() => errors.length > 0, { interval: 5, timeout: 5000 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(JournalWriteError);
    expect(errors[0]!.name).toBe("JournalWriteError");
    expect(errors[0]!.message).toBe(`cannot write the run's journal ${path()}: file closed`);
    expect((errors[0]!.cause as NodeJS.ErrnoException).code).toBe("EBADF");
    const write = vi.spyOn(file, "write");
    w.append('{"k":"B","s":"s","o":2}');
    expect(w.pendingBytes).toBe(0);
    const closed = await w.close().catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(JournalWriteError);
    expect((closed as Error).message).toContain("an earlier write failed");
    expect(write).not.toHaveBeenCalled();
    expect(errors).toHaveLength(1);
    expect(readFileSync(path(), "utf8")).toBe("");
  });

  it("a short write (the file system took part of a batch) writes the rest, not a torn record", async () => {
    const w = await JournalWriter.create(path(), HEADER, () => undefined);
    const file = handleOf(w);
    const real = file.write.bind(file) as (data: Uint8Array, offset: number, length: number) => Promise<{ bytesWritten: number }>;
    // the first write takes 10 bytes of what it is given, and says so
    vi.spyOn(file, "write").mockImplementationOnce(((data: string | Uint8Array, offset?: unknown) => {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      return real(bytes, typeof offset === "number" ? offset : 0, 10);
    }) as never);
    const line = JSON.stringify({ k: "A", s: "s", o: "x".repeat(100) });
    w.append(line);
    await w.close();
    expect(readFileSync(path(), "utf8")).toBe(`${H}\n${line}\n`);
  });

  it("a write that stops taking bytes fails the journal instead of losing the batch's tail", async () => {
    const errors: JournalWriteError[] = [];
    const w = await JournalWriter.create(path(), HEADER, (e) => errors.push(e));
    const file = handleOf(w);
    const real = file.write.bind(file) as (data: Uint8Array, offset: number, length: number) => Promise<{ bytesWritten: number }>;
    // as a full disk does: part of the batch, then an error
    vi.spyOn(file, "write")
      .mockImplementationOnce(((data: string | Uint8Array) => real(typeof data === "string" ? Buffer.from(data) : data, 0, 10)) as never)
      .mockRejectedValue(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }));
    w.append('{"k":"A","s":"s","o":1}');
    await expect(w.close()).rejects.toBeInstanceOf(JournalWriteError);
    expect(errors.map((e) => e.message)).toEqual([`cannot write the run's journal ${path()}: ENOSPC: no space left on device, write`]);
  });

  it("a write that fails at close() is reported through onError and close() rejects", async () => {
    const errors: JournalWriteError[] = [];
    const w = await JournalWriter.create(path(), HEADER, (e) => errors.push(e));
    vi.spyOn(handleOf(w), "datasync").mockRejectedValue(Object.assign(new Error("EIO: i/o error"), { code: "EIO" }));
    await expect(w.close()).rejects.toBeInstanceOf(JournalWriteError);
    expect(errors.map((e) => e.message)).toEqual([`cannot write the run's journal ${path()}: EIO: i/o error`]);
  });

  it.each<[string, () => string, RegExp]>([
    ["a missing folder", () => join(tmp.path, "no", "such", "journal.ndjson"), /ENOENT/],
    ["a folder where the file should be", () => (mkdirSync(join(tmp.path, "j")), join(tmp.path, "j")), /EISDIR/],
  ])("create() rejects with a JournalWriteError on %s", async (_what, at, cause) => {
    const p = at();
    const onError = vi.fn();
    const err = await JournalWriter.create(p, HEADER, onError).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalWriteError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot write the run's journal ${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
    expect((err as Error).message).toMatch(cause);
    expect(onError).not.toHaveBeenCalled();
  });

  it.skipIf(process.getuid?.() === 0)("create() rejects with a JournalWriteError in a read-only folder", async () => {
    const ro = join(tmp.path, "ro");
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    try {
      await expect(JournalWriter.create(join(ro, "journal.ndjson"), HEADER, () => undefined)).rejects.toThrow(/EACCES/);
    } finally {
      chmodSync(ro, 0o755);
    }
  });

  it("JournalWriteError says what went wrong whatever the cause", () => {
    expect(new JournalWriteError("/j", { cause: "disk gone" }).message).toBe("cannot write the run's journal /j: disk gone");
    const cause = new Error("ENOSPC: no space left");
    const e = new JournalWriteError("/j", { cause });
    expect(e.message).toBe("cannot write the run's journal /j: ENOSPC: no space left");
    expect(e.cause).toBe(cause);
  });
});
