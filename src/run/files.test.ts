import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Json } from "../ir/types.js";
import { globFiles } from "./files.js";

const dir = mkdtempSync(join(tmpdir(), "qb-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ["a.csv", "tmp/b.csv", "deep/c.csv", "node_modules/pkg/d.csv", ".git/e.csv", "deep/node_modules/f.csv"]) {
  mkdirSync(join(dir, f, ".."), { recursive: true });
  writeFileSync(join(dir, f), "x\n");
}

async function paths(pattern: string, exclude?: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const v of globFiles(pattern, ".", { cwd: dir, land: dir }, exclude)) out.push((v as { path: string } & Record<string, Json>).path);
  return out;
}

describe("globFiles", () => {
  it("skips node_modules and dot folders such as .git", async () => {
    expect(await paths("**/*.csv")).toEqual(["a.csv", "deep/c.csv", "tmp/b.csv"]);
  });

  it("leaves out what an exclude pattern matches", async () => {
    expect(await paths("**/*.csv", ["tmp/**"])).toEqual(["a.csv", "deep/c.csv"]);
    expect(await paths("**/*.csv", ["tmp/**", "a.*"])).toEqual(["deep/c.csv"]);
  });

  it("lists node_modules when the pattern names it", async () => {
    expect(await paths("node_modules/**/*.csv")).toEqual(["node_modules/pkg/d.csv"]);
    expect(await paths("**/node_modules/**/*.csv")).toEqual(["deep/node_modules/f.csv", "node_modules/pkg/d.csv"]);
  });
});
