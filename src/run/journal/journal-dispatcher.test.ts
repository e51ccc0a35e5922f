/**
 * journal-dispatcher: around a fake inner dispatcher. A miss goes to the worker and is
 * journaled; a hit is answered from the resumed run's journal without a call (and copied
 * into this run's journal as is); a land output is reused only when this run's land holds
 * the file as recorded, and a journal's path never leads out of the land.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Json } from "../../ir/types.js";
import { isLandRef, LandRef } from "../../land/ref.js";
import { toJson, toValue } from "../../pod/item-values.js";
import type { CallAbout, CallRequest, Dispatcher, HeldHandle, HeldRequest } from "../../runtime/dispatcher.js";
import { callKey } from "./call-key.js";
import { FileDigests } from "./file-digests.js";
import { JournalDispatcher } from "./journal-dispatcher.js";
import { JournalWriter, readJournal, type JournalContents } from "./journal-file.js";

let dir: string;
let land: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "qb-journal-dispatcher-"));
  land = join(dir, "land");
  mkdirSync(land);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SHA = "d".repeat(64);

/** A worker pool that answers each call with `answer(input)` and remembers the calls. */
class FakeInner implements Dispatcher {
  readonly calls: CallRequest[] = [];
  constructor(private readonly answer: (input: Json) => Json | Promise<Json> = (input) => ({ echo: input })) {}
  call(req: CallRequest): Promise<Json> {
    this.calls.push(req);
    return Promise.resolve().then(() => this.answer(req.input));
  }
}

function request(input: Json, over: Partial<CallRequest> = {}): CallRequest & { reused: ReturnType<typeof vi.fn> } {
  return {
    step: "s1",
    worker: "py",
    method: "m",
    input,
    attempt: 1,
    timeoutMs: null,
    signal: new AbortController().signal,
    reused: vi.fn(),
    ...over,
  } as CallRequest & {
    reused: ReturnType<typeof vi.fn>;
  };
}

/** A journal of an earlier run, from its lines, read as a resume reads it. */
async function journal(...lines: string[]): Promise<JournalContents> {
  const p = join(dir, `previous-${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(p, [JSON.stringify({ journal: 1, flow: "f", runId: "old" }), ...lines].map((l) => l + "\n").join(""));
  return readJournal(p);
}

interface Setup {
  jd: JournalDispatcher;
  inner: FakeInner;
  lines: string[];
  files: FileDigests;
}

function setup(options: { inner?: FakeInner; previous?: JournalContents; files?: FileDigests; version?: string; previousLand?: string } = {}): Setup {
  const lines: string[] = [];
  const writer = { append: (l: string) => void lines.push(l) } as unknown as JournalWriter;
  const inner = options.inner ?? new FakeInner();
  const files = options.files ?? new FileDigests();
  const jd = new JournalDispatcher(inner, {
    writer,
    ...(options.previous ? { previous: options.previous } : {}),
    versionOf: (w) => `${w}@${options.version ?? "1"}`,
    files,
    land,
    ...(options.previousLand !== undefined ? { previousLand: options.previousLand } : {}),
  });
  return { jd, inner, lines, files };
}

const keyOf = (input: Json, over: { step?: string; worker?: string; version?: string; method?: string } = {}, files: FileDigests = new FileDigests()): string =>
  callKey({ step: over.step ?? "s1", worker: over.worker ?? "py", version: over.version ?? "py@1", method: over.method ?? "m" }, input, files.known);

/** A land file of this run (or of the land `root`), `content` its bytes. */
function landFile(path: string, content: string, root = land): void {
  const p = join(root, ...path.split("/"));
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, content);
}

function landRecord(k: string, path: string, size: number): string {
  return JSON.stringify({ k, s: "s1", l: { path, size, sha256: SHA, mediaType: "text/plain" } });
}

describe("JournalDispatcher: a call not in the journal", () => {
  it("goes to the inner dispatcher and is journaled under its key", async () => {
    const { jd, inner, lines } = setup();
    const req = request({ b: 2, a: 1 });
    expect(await jd.call(req)).toEqual({ echo: { b: 2, a: 1 } });
    expect(inner.calls).toEqual([req]);
    expect(lines).toEqual([JSON.stringify({ k: keyOf({ a: 1, b: 2 }), s: "s1", o: { echo: { b: 2, a: 1 } } })]);
    expect(req.reused).not.toHaveBeenCalled();
    expect(jd.counts).toEqual({ reused: 0, recorded: 1, unkeyed: 0 });
  });

  it("records a land reference answer as `l`, and a land-shaped object as data", async () => {
    const ref = new LandRef("out/x.txt", 5, SHA, "text/plain");
    const data: Json = { $land: ref.toJSON() };
    const inner = new FakeInner((input) => (input === "ref" ? toJson(ref) : data));
    const { jd, lines } = setup({ inner });
    expect(isLandRef(toValue(await jd.call(request("ref"))))).toBe(true);
    await jd.call(request("data"));
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { k: keyOf("ref"), s: "s1", l: ref.toJSON() },
      { k: keyOf("data"), s: "s1", o: data },
    ]);
  });

  it("a step-less call is keyed and recorded with an empty step", async () => {
    const { jd, lines } = setup();
    await jd.call(request(1, { step: undefined }));
    expect(JSON.parse(lines[0]!)).toEqual({ k: keyOf(1, { step: "" }), s: "", o: { echo: 1 } });
  });

  it("a failed call is not journaled, and fails as it failed", async () => {
    const boom = Object.assign(new Error("worker died"), { retryable: false });
    const { jd, lines } = setup({ inner: new FakeInner(() => Promise.reject(boom)) });
    await expect(jd.call(request(1))).rejects.toBe(boom);
    expect(lines).toEqual([]);
    expect(jd.counts).toEqual({ reused: 0, recorded: 0, unkeyed: 0 });
  });
});

describe("JournalDispatcher: a call in the resumed run's journal", () => {
  it("is answered from it without a call: reused() told, the same raw line journaled again", async () => {
    // spacing and key order of the old line are kept: it is copied, not rewritten
    const line = `{"s":"s1",  "o":{"sum":3}, "k":"${keyOf({ a: 1, b: 2 })}"}`;
    const { jd, inner, lines } = setup({ previous: await journal(line) });
    const req = request({ b: 2, a: 1 });
    expect(await jd.call(req)).toEqual({ sum: 3 });
    expect(inner.calls).toEqual([]);
    expect(req.reused).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([line]);
    expect(jd.counts).toEqual({ reused: 1, recorded: 0, unkeyed: 0 });
  });

  it.each<[string, Partial<CallRequest>, string | undefined]>([
    ["another step", { step: "s2" }, undefined],
    ["another worker", { worker: "r" }, undefined],
    ["another method", { method: "n" }, undefined],
    ["another worker version", {}, "2"],
  ])("is sent again under %s", async (_what, over, version) => {
    const previous = await journal(JSON.stringify({ k: keyOf(7), s: "s1", o: "old" }));
    const { jd, inner, lines } = setup({ previous, ...(version ? { version } : {}) });
    const req = request(7, over);
    expect(await jd.call(req)).toEqual({ echo: 7 });
    expect(inner.calls).toHaveLength(1);
    expect(req.reused).not.toHaveBeenCalled();
    expect(lines).toHaveLength(1);
    expect(jd.counts).toEqual({ reused: 0, recorded: 1, unkeyed: 0 });
  });

  it("a recorded land-shaped object comes back as data, not as a land reference", async () => {
    const data: Json = { $land: { path: "x", size: 1, sha256: SHA, mediaType: "text/plain" } };
    const { jd } = setup({ previous: await journal(JSON.stringify({ k: keyOf(1), s: "s1", o: data })) });
    const out = await jd.call(request(1));
    expect(out).toEqual(data);
    expect(isLandRef(toValue(out))).toBe(false);
  });

  it("a whole run resumed: every call of the first run's journal is answered, the new journal holds the same records", async () => {
    const inputs: Json[] = [1, "two", { three: [3] }, null];
    const first = join(dir, "first.ndjson");
    const w1 = await JournalWriter.create(first, { journal: 1, flow: "f", runId: "r1" }, () => undefined);
    const inner1 = new FakeInner((x) => ({ got: x }));
    const jd1 = new JournalDispatcher(inner1, { writer: w1, versionOf: () => "1", files: new FileDigests(), land });
    const outs1 = await Promise.all(inputs.map((x) => jd1.call(request(x))));
    await w1.close();

    const second = join(dir, "second.ndjson");
    const w2 = await JournalWriter.create(second, { journal: 1, flow: "f", runId: "r2" }, () => undefined);
    const inner2 = new FakeInner();
    const previous = await readJournal(first);
    const jd2 = new JournalDispatcher(inner2, { writer: w2, previous, versionOf: () => "1", files: new FileDigests(), land });
    const outs2 = await Promise.all(inputs.map((x) => jd2.call(request(x))));
    await w2.close();

    expect(outs2).toEqual(outs1);
    expect(inner2.calls).toEqual([]);
    expect(jd2.counts).toEqual({ reused: 4, recorded: 0, unkeyed: 0 });
    const again = await readJournal(second);
    expect(again.header).toEqual({ journal: 1, flow: "f", runId: "r2" });
    expect([...again.records.values()].map((r) => r.line).sort()).toEqual([...previous.records.values()].map((r) => r.line).sort());
  });
});

describe("JournalDispatcher: a recorded land output", () => {
  it("is reused when this run's land holds the file with the recorded size", async () => {
    landFile("out/x.txt", "hello");
    const line = landRecord(keyOf(1), "out/x.txt", 5);
    const { jd, inner, lines } = setup({ previous: await journal(line) });
    const req = request(1);
    const out = await jd.call(req);
    const v = toValue(out);
    expect(v).toBeInstanceOf(LandRef);
    expect((v as LandRef).toJSON()).toEqual({ path: "out/x.txt", size: 5, sha256: SHA, mediaType: "text/plain" });
    expect(inner.calls).toEqual([]);
    expect(req.reused).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([line]);
  });

  // where the recorded size is that of what is there, lstat's size of a folder or a symlink
  it.each<[string, () => number | void, string | (() => string), number]>([
    ["its file is missing", () => undefined, "out/x.txt", 5],
    ["its file has another size", () => landFile("out/x.txt", "hello!"), "out/x.txt", 5],
    ["its path is a folder", () => (mkdirSync(join(land, "out", "x.txt"), { recursive: true }), lstatSync(join(land, "out", "x.txt")).size), "out/x.txt", 0],
    [
      "its path is a symlink to a file (both of the recorded size)",
      () => {
        // the link's own size is its target's length: 8, as the file's
        landFile("out/real.txt", "12345678");
        symlinkSync("real.txt", join(land, "out", "x.txt"));
        expect(lstatSync(join(land, "out", "x.txt")).size).toBe(8);
        return 8;
      },
      "out/x.txt",
      8,
    ],
    ["its path climbs out of the land with ..", () => writeFileSync(join(dir, "outside.txt"), "hello"), "../outside.txt", 5],
    ["its path climbs out further in", () => writeFileSync(join(dir, "outside.txt"), "hello"), "out/../../outside.txt", 5],
    ["its path is absolute", () => writeFileSync(join(dir, "outside.txt"), "hello"), () => join(dir, "outside.txt"), 5],
    ["its path is empty", () => undefined, "", 0],
    ["its path names the land itself", () => undefined, ".", 0],
  ])("is not reused when %s: the call is sent", async (_what, arrange, path, size) => {
    const recorded = arrange() ?? size;
    const { jd, inner, lines } = setup({ previous: await journal(landRecord(keyOf(1), typeof path === "string" ? path : path(), recorded)) });
    const req = request(1);
    expect(await jd.call(req)).toEqual({ echo: 1 });
    expect(inner.calls).toEqual([req]);
    expect(req.reused).not.toHaveBeenCalled();
    expect(lines).toEqual([JSON.stringify({ k: keyOf(1), s: "s1", o: { echo: 1 } })]);
    expect(jd.counts).toEqual({ reused: 0, recorded: 1, unkeyed: 0 });
  });

  it("a land reference input is keyed by content: another path with the same bytes is a hit", async () => {
    const asInput = (path: string): Json => toJson(new LandRef(path, 3, SHA, "text/plain"));
    const { jd, inner } = setup({ previous: await journal(JSON.stringify({ k: keyOf(asInput("old/in.txt")), s: "s1", o: "done" })) });
    expect(await jd.call(request(asInput("new/in.txt")))).toBe("done");
    expect(inner.calls).toEqual([]);
  });
});

describe("JournalDispatcher: a recorded land output from the resumed run's land", () => {
  let old: string;
  beforeEach(() => {
    old = join(dir, "old-land");
    mkdirSync(old);
  });

  async function resumed(path: string, size = 5): Promise<Setup & { req: ReturnType<typeof request>; out: Json }> {
    const s = setup({ previous: await journal(landRecord(keyOf(1), path, size)), previousLand: old });
    const req = request(1);
    return { ...s, req, out: await s.jd.call(req) };
  }

  it("is hard-linked into this run's land, folders made, and reused", async () => {
    landFile("deep/er/x.txt", "hello", old);
    const { out, inner, req } = await resumed("deep/er/x.txt");
    expect((toValue(out) as LandRef).toJSON()).toEqual({ path: "deep/er/x.txt", size: 5, sha256: SHA, mediaType: "text/plain" });
    expect(inner.calls).toEqual([]);
    expect(req.reused).toHaveBeenCalledTimes(1);
    const here = statSync(join(land, "deep", "er", "x.txt"));
    expect(here.ino).toBe(statSync(join(old, "deep", "er", "x.txt")).ino);
    expect(readFileSync(join(land, "deep", "er", "x.txt"), "utf8")).toBe("hello");
  });

  it("a file this run's land already holds as recorded is used as it is", async () => {
    landFile("x.txt", "HELLO");
    landFile("x.txt", "hello", old);
    const { inner } = await resumed("x.txt");
    expect(inner.calls).toEqual([]);
    expect(readFileSync(join(land, "x.txt"), "utf8")).toBe("HELLO");
    expect(statSync(join(land, "x.txt")).ino).not.toBe(statSync(join(old, "x.txt")).ino);
  });

  it.each<[string, () => void, string]>([
    ["missing there too", () => undefined, "x.txt"],
    ["of another size there", () => landFile("x.txt", "hello!", old), "x.txt"],
    ["a folder there", () => mkdirSync(join(old, "x.txt")), "x.txt"],
    ["a symlink there", () => (landFile("real.txt", "hello", old), symlinkSync(join(old, "real.txt"), join(old, "x.txt"))), "x.txt"],
    [
      "reached through a symlinked folder there, out of its land",
      () => (landFile("x.txt", "hello", join(dir, "secret")), symlinkSync(join(dir, "secret"), join(old, "sub"))),
      "sub/x.txt",
    ],
    ["beside the old land (..)", () => writeFileSync(join(dir, "x.txt"), "hello"), "../x.txt"],
  ])("is not reused when the file is %s: the call is sent, nothing is linked", async (_what, arrange, path) => {
    arrange();
    const { inner, req, out } = await resumed(path);
    expect(out).toEqual({ echo: 1 });
    expect(inner.calls).toEqual([req]);
    expect(req.reused).not.toHaveBeenCalled();
    expect(readdirSync(land)).toEqual([]);
  });

  it("never overwrites a file of this run's land that differs from the record", async () => {
    landFile("x.txt", "this run's output");
    landFile("x.txt", "hello", old);
    const { inner } = await resumed("x.txt");
    expect(inner.calls).toHaveLength(1);
    expect(readFileSync(join(land, "x.txt"), "utf8")).toBe("this run's output");
  });

  it("never writes through a symlink in this run's land", async () => {
    writeFileSync(join(dir, "outside.txt"), "keep me");
    symlinkSync(join(dir, "outside.txt"), join(land, "x.txt"));
    landFile("x.txt", "hello", old);
    const { inner } = await resumed("x.txt");
    expect(inner.calls).toHaveLength(1);
    expect(readFileSync(join(dir, "outside.txt"), "utf8")).toBe("keep me");
  });

  it("never links out of this run's land through a symlinked folder", async () => {
    mkdirSync(join(dir, "elsewhere"));
    symlinkSync(join(dir, "elsewhere"), join(land, "sub"));
    landFile("sub/x.txt", "hello", old);
    const { inner } = await resumed("sub/x.txt");
    expect(inner.calls).toHaveLength(1);
    expect(readdirSync(join(dir, "elsewhere"))).toEqual([]);
  });

  it("never reuses a file of this run's land reached through a symlinked folder", async () => {
    landFile("x.txt", "hello", join(dir, "elsewhere"));
    symlinkSync(join(dir, "elsewhere"), join(land, "sub"));
    const { inner } = await resumed("sub/x.txt");
    expect(inner.calls).toHaveLength(1);
  });
});

describe("JournalDispatcher: inputs naming listed files", () => {
  it("are keyed by the files' content: the same bytes at another path are a hit", async () => {
    const a = join(dir, "a.csv");
    const b = join(dir, "b.csv");
    writeFileSync(a, "1,2,3\n");
    writeFileSync(b, "1,2,3\n");
    const first = setup();
    first.files.add(a);
    await first.jd.call(request({ file: a }));
    expect(first.files.known.has(a)).toBe(true);

    const files = new FileDigests();
    files.add(b);
    const second = setup({ previous: await journal(...first.lines), files });
    expect(await second.jd.call(request({ file: b }))).toEqual({ echo: { file: a } });
    expect(second.inner.calls).toEqual([]);
  });

  it("are sent again when a file's content changed", async () => {
    const a = join(dir, "a.csv");
    writeFileSync(a, "old");
    const first = setup();
    first.files.add(a);
    await first.jd.call(request(a));
    writeFileSync(a, "new");
    const files = new FileDigests();
    files.add(a);
    const second = setup({ previous: await journal(...first.lines), files });
    await second.jd.call(request(a));
    expect(second.inner.calls).toHaveLength(1);
  });

  it("are sent unkeyed, not journaled and counted, when a named file cannot be read", async () => {
    const gone = join(dir, "gone.csv");
    const files = new FileDigests();
    files.add(gone);
    // even a record under the key the path would have as a plain string is not used
    const { jd, inner, lines } = setup({ files, previous: await journal(JSON.stringify({ k: keyOf({ file: gone }), s: "s1", o: "stale" })) });
    const req = request({ file: gone });
    expect(await jd.call(req)).toEqual({ echo: { file: gone } });
    expect(inner.calls).toEqual([req]);
    expect(req.reused).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(jd.counts).toEqual({ reused: 0, recorded: 0, unkeyed: 1 });
  });
});

describe("JournalDispatcher: passes the rest through", () => {
  it("hold, about and reportsPlacement are the inner dispatcher's", async () => {
    const handle: HeldHandle = { replica: 2, signal: () => undefined, end: () => undefined, result: Promise.resolve(1) };
    const about: CallAbout = { step: "s1", method: "m", attempt: 1, input: 1 };
    const inner = Object.assign(new FakeInner(), {
      reportsPlacement: true,
      hold: vi.fn(async (_r: HeldRequest) => handle),
      about: vi.fn((_w: string, _r: number, _c: string) => about),
    });
    const { jd, lines } = setup({ inner });
    const held: HeldRequest = {
      step: "s1",
      worker: "py",
      method: "h",
      input: 1,
      attempt: 1,
      signal: new AbortController().signal,
      onYield: () => undefined,
      onAwaiting: () => undefined,
    };
    expect(await jd.hold!(held)).toBe(handle);
    expect(inner.hold).toHaveBeenCalledWith(held);
    expect(inner.hold.mock.contexts).toEqual([inner]);
    expect(jd.about!("py", 3, "c9")).toBe(about);
    expect(inner.about).toHaveBeenCalledWith("py", 3, "c9");
    expect(inner.about.mock.contexts).toEqual([inner]);
    expect(jd.reportsPlacement).toBe(true);
    // held calls are not journaled: their state lived in memory
    expect(lines).toEqual([]);
  });

  it("has no hold or about when the inner dispatcher has none", () => {
    const { jd } = setup({ inner: Object.assign(new FakeInner(), { reportsPlacement: false }) });
    expect(jd.hold).toBeUndefined();
    expect(jd.about).toBeUndefined();
    expect(jd.reportsPlacement).toBe(false);
    expect(setup().jd.reportsPlacement).toBeUndefined();
  });
});
