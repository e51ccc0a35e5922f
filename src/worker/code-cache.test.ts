import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadWithCodeCache } from "./code-cache.js";

const dir = mkdtempSync(join(tmpdir(), "qb-code-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOADER = new URL("./code-cache.ts", import.meta.url).href;

/** Loads `file` in a fresh Node process (through tsx, as the tests run) and returns what it printed. */
function loadInChild(file: string): string {
  const script = `const { loadWithCodeCache } = await import(${JSON.stringify(LOADER)}); const m = loadWithCodeCache(${JSON.stringify(file)}); console.log(JSON.stringify(m.answer(20)));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return r.stdout.trim();
}

describe("loadWithCodeCache", () => {
  it("runs a CommonJS file like require does: exports, module, require, __filename, __dirname", () => {
    const file = join(dir, "plain.cjs");
    writeFileSync(file, `const { join } = require("node:path"); module.exports = { where: join(__dirname, "x"), file: __filename, self: this === exports };`);
    expect(loadWithCodeCache(file)).toEqual({ where: join(dir, "x"), file, self: true });
  });

  it("reads a file with characters beyond ASCII as UTF-8, and one of ASCII only the same", () => {
    const file = join(dir, "utf8.cjs");
    writeFileSync(file, `// 15× faster\nmodule.exports = { unit: /^(µs|ns)$/.test("µs"), text: "→ ✔", ascii: "plain" };`);
    expect(loadWithCodeCache(file)).toEqual({ unit: true, text: "→ ✔", ascii: "plain" });
  });

  it("writes the cache at exit when there is none, and the next process uses it", () => {
    const file = join(dir, "answer.cjs");
    writeFileSync(file, `exports.answer = (n) => n * 2 + 2;`);
    expect(loadInChild(file)).toBe("42");
    expect(existsSync(`${file}.v8-cache`)).toBe(true);
    const written = statSync(`${file}.v8-cache`).mtimeMs;
    expect(loadInChild(file)).toBe("42");
    // accepted: not written again
    expect(statSync(`${file}.v8-cache`).mtimeMs).toBe(written);
  });

  it("never runs old code from a cache made for an edit of the same length", () => {
    const file = join(dir, "edited.cjs");
    writeFileSync(file, `exports.answer = (n) => n + 22; // old`);
    expect(loadInChild(file)).toBe("42");
    writeFileSync(file, `exports.answer = (n) => n + 23; // new`);
    expect(loadInChild(file)).toBe("43");
    // and the cache was written anew for the new source
    expect(loadInChild(file)).toBe("43");
  });

  it("ignores a cache V8 rejects, and writes a good one in its place", () => {
    const file = join(dir, "rejected.cjs");
    writeFileSync(file, `exports.answer = (n) => n + 22;`);
    writeFileSync(`${file}.v8-cache`, Buffer.from("not a code cache at all"));
    expect(loadInChild(file)).toBe("42");
    expect(readFileSync(`${file}.v8-cache`).toString("utf8")).not.toBe("not a code cache at all");
  });
});

describe("quarterback/worker as installed (dist/worker/bundled.js)", () => {
  it("shares apache-arrow with the worker's own code: a table it builds is written and read back as one of its Tables", () => {
    const bundled = new URL("../../dist/worker/bundled.js", import.meta.url);
    if (!existsSync(bundled)) throw new Error("dist/ is not built: run npm run build");
    const script = `import { tableFromArrays, Table } from "apache-arrow";
const { Land, writeArrowTable, readArrowTable } = await import(${JSON.stringify(bundled.href)});
const land = new Land(${JSON.stringify(dir)});
const ref = await writeArrowTable(land, "t.arrow", tableFromArrays({ x: Float64Array.from([1.5, 2.5]), n: Int32Array.from([7, 8]) }));
const back = await readArrowTable(land, ref);
console.log(JSON.stringify({ isTable: back instanceof Table, x: [...back.getChild("x").toArray()], n: [...back.getChild("n").toArray()] }));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", cwd: new URL("../..", import.meta.url) });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ isTable: true, x: [1.5, 2.5], n: [7, 8] });
  });

  it("exports every value ./index.ts exports", async () => {
    const bundled = new URL("../../dist/worker/bundled.js", import.meta.url);
    if (!existsSync(bundled)) throw new Error("dist/ is not built: run npm run build");
    const fromBundle = Object.keys(await import(bundled.href)).sort();
    const fromSource = Object.keys(await import("./index.js")).sort();
    expect(fromBundle).toEqual(fromSource);
  });
});

describe("the bundles", () => {
  it.each(["cli.cjs", "worker.cjs"])("%s is ASCII only, so it loads as Latin-1 without decoding UTF-8", (name) => {
    const file = new URL(`../../dist/bundle/${name}`, import.meta.url);
    if (!existsSync(file)) throw new Error("dist/ is not built: run npm run build");
    const text = readFileSync(file, "latin1");
    const at = text.search(/[^\x00-\x7f]/);
    // esbuild escapes strings but keeps a regex literal's and a kept comment's characters as written
    expect(at === -1 ? "" : `non-ASCII at offset ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 20))} (write \\u escapes in the source)`).toBe(
      "",
    );
  });
});
