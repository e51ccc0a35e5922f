/**
 * The data stages end to end, run by `qb run` as a user runs them: examples/duplicates.flow
 * (where, map, join, group by) on real md5 worker processes over a folder with copies, and
 * examples/pi-sweep.flow (combine, group by, map) on real montecarlo workers.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { countHits } from "../examples/workers/mulberry32.js";
import { ROOT } from "./support/examples.js";

const tmp = mkdtempSync(join(tmpdir(), "qb-data-stages-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("examples/duplicates.flow", () => {
  it("groups the non-empty files by content: copies together, empty files left out, sizes joined to digests", () => {
    const tree = join(tmp, "tree");
    mkdirSync(join(tree, "a/b"), { recursive: true });
    writeFileSync(join(tree, "one.txt"), "same text\n");
    writeFileSync(join(tree, "a/copy.txt"), "same text\n");
    writeFileSync(join(tree, "a/b/copy2.txt"), "same text\n");
    writeFileSync(join(tree, "other.txt"), "other\n");
    writeFileSync(join(tree, "empty.txt"), "");
    writeFileSync(join(tree, "a/empty-too.bin"), "");
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "bin/qb.js"), "run", join(ROOT, "examples/duplicates.flow"), "--param", `root=${tree}`, "--run-dir", join(tmp, "run")],
      {
        encoding: "utf8",
        cwd: tmp,
        timeout: 60_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const groups = (JSON.parse(r.stdout) as { groups: Array<{ md5: string; size: number; files: Array<{ name: string; size: number; md5: string }> }> }).groups;
    const shape = groups
      .map((g) => ({ md5: g.md5, size: g.size, names: g.files.map((f) => f.name).sort(), agree: g.files.every((f) => f.md5 === g.md5 && f.size === g.size) }))
      .sort((a, b) => b.names.length - a.names.length);
    expect(shape).toEqual([
      { md5: "abcb64ed947cb225988f26378a31bba7", size: 10, names: ["a/b/copy2.txt", "a/copy.txt", "one.txt"], agree: true },
      { md5: "ba7790b1708b71cb2b61b1a30d824712", size: 6, names: ["other.txt"], agree: true },
    ]);
  });
});

describe("examples/pi-sweep.flow", () => {
  it("estimates pi at every size from every seed: one pooled estimate per size, exactly the shards' sum", () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "bin/qb.js"), "run", join(ROOT, "examples/pi-sweep.flow"), "--param", "seeds=3", "--run-dir", join(tmp, "sweep")],
      {
        encoding: "utf8",
        cwd: tmp,
        timeout: 60_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const pi = (JSON.parse(r.stdout) as { pi: Array<{ samples: number; pi: number }> }).pi;
    const expected = [10_000, 100_000, 1_000_000].map((size) => {
      const hits = [0, 1, 2].reduce((sum, seed) => sum + countHits(seed, 0, size), 0);
      return { samples: 3 * size, pi: (4 * hits) / (3 * size) };
    });
    expect([...pi].sort((a, b) => a.samples - b.samples)).toEqual(expected);
    expect(Math.abs(expected[2]!.pi - Math.PI)).toBeLessThan(0.01);
  });
});
