/**
 * file-digests: a listed file is read (and hashed) only when a call's input names it, once;
 * a file that cannot be read leaves prepare() false. Real files in a temp folder.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileDigests } from "./file-digests.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "qb-file-digests-"));
});
afterEach(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (b: string | Buffer): string => createHash("sha256").update(b).digest("hex");

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe("FileDigests", () => {
  it("counts each listed file once", () => {
    const f = new FileDigests();
    expect(f.size).toBe(0);
    f.add("/a");
    f.add("/b");
    f.add("/a");
    expect(f.size).toBe(2);
  });

  it.each<[string, (a: string) => unknown]>([
    ["a number", () => 1],
    ["null", () => null],
    ["a string no glob listed", () => "/not/listed.csv"],
    ["a listed path as an object key", (a) => ({ [a]: 1 })],
    ["unlisted strings in lists and objects", () => ({ x: ["y", { z: "w" }] })],
  ])("prepare() answers undefined at once for an input naming no listed file (%s)", (_what, input) => {
    const f = new FileDigests();
    const a = file("a.csv", "A");
    f.add(a);
    expect(f.prepare(input(a) as never)).toBeUndefined();
    expect(f.known.size).toBe(0);
  });

  it("prepare() answers undefined when no glob listed anything, whatever the input", () => {
    const a = file("a.csv", "A");
    expect(new FileDigests().prepare(a)).toBeUndefined();
  });

  it("digests exactly the listed files an input names, at any depth", async () => {
    const f = new FileDigests();
    const a = file("a.csv", "alpha");
    const b = file("b.csv", "beta");
    const c = file("c.csv", "gamma");
    for (const p of [a, b, c]) f.add(p);
    expect(await f.prepare({ file: a, more: [{ deep: b }], path: "a.csv" })).toBe(true);
    expect(Object.fromEntries(f.known)).toEqual({ [a]: sha256("alpha"), [b]: sha256("beta") });
    expect(await f.prepare(c)).toBe(true);
    expect(f.known.get(c)).toBe(sha256("gamma"));
  });

  it("digests a file larger than one read chunk, and an empty one", async () => {
    const f = new FileDigests();
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
    const big = file("big.bin", bytes);
    const empty = file("empty.bin", "");
    f.add(big);
    f.add(empty);
    expect(await f.prepare([big, empty])).toBe(true);
    expect(f.known.get(big)).toBe(sha256(bytes));
    expect(f.known.get(empty)).toBe(sha256(""));
  });

  it("reads a file once: a later change is not seen, concurrent inputs share the read", async () => {
    const f = new FileDigests();
    const a = file("a.csv", "first");
    f.add(a);
    const [x, y] = await Promise.all([f.prepare(a), f.prepare({ again: a })]);
    expect([x, y]).toEqual([true, true]);
    writeFileSync(a, "second");
    expect(await f.prepare([a])).toBe(true);
    expect(f.known.get(a)).toBe(sha256("first"));
  });

  it("listing a file again keeps its digest", async () => {
    const f = new FileDigests();
    const a = file("a.csv", "first");
    f.add(a);
    await f.prepare(a);
    writeFileSync(a, "second");
    f.add(a);
    expect(await f.prepare(a)).toBe(true);
    expect(f.known.get(a)).toBe(sha256("first"));
  });

  const unreadable: [string, () => string][] = [
    [
      "deleted after it was listed",
      () => {
        const p = file("gone.csv", "x");
        unlinkSync(p);
        return p;
      },
    ],
    [
      "a folder",
      () => {
        const p = join(dir, "folder.csv");
        mkdirSync(p);
        return p;
      },
    ],
  ];
  if (process.getuid?.() !== 0) {
    unreadable.push([
      "without read permission",
      () => {
        const p = file("locked.csv", "x");
        chmodSync(p, 0o000);
        return p;
      },
    ]);
  }

  it.each(unreadable)("prepare() resolves false for a named file that cannot be read (%s), and stays false", async (_what, make) => {
    const f = new FileDigests();
    const ok = file("ok.csv", "fine");
    const missing = join(dir, "never-written.csv");
    f.add(ok);
    f.add(missing);
    const p = make();
    f.add(p);
    expect(await f.prepare({ files: [ok, p] })).toBe(false);
    expect(f.known.has(p)).toBe(false);
    // the readable one is known all the same
    expect(f.known.get(ok)).toBe(sha256("fine"));
    expect(await f.prepare(p)).toBe(false);
    // a file that cannot be read and is not named does not matter
    expect(await f.prepare(ok)).toBe(true);
  });
});
