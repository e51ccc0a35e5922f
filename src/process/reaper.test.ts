import { spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { groupMembers, killGroup } from "./process-group.js";
import { REAPER_SCRIPT } from "./reaper.js";

/** A `sleep` in a process group of its own; returns its group id. */
function sleeper(): number {
  const child = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
  child.unref();
  return child.pid!;
}

describe("the reaper script", () => {
  it("at EOF kills the groups and removes the folders still listed, and leaves those taken off", () => {
    const [a, b, c] = [sleeper(), sleeper(), sleeper()];
    const base = mkdtempSync(join(tmpdir(), "qb-reaper-"));
    const dirs = ["one", "two words", "three"].map((d) => join(base, d));
    for (const d of dirs) mkdirSync(join(d, "sub"), { recursive: true });
    try {
      const lines = [`add ${a}`, `add ${b}`, `add ${c}`, `del ${b}`, `del 999999`, ...dirs.map((d) => `dir ${d}`), `undir ${dirs[2]}`, `undir /nowhere`];
      const r = spawnSync("/bin/sh", ["-c", REAPER_SCRIPT], { input: lines.join("\n") + "\n", timeout: 5_000 });
      expect(r.status).toBe(0);
      expect([a, b, c].map((g) => groupMembers(g).length > 0)).toEqual([false, true, false]);
      expect(dirs.map((d) => existsSync(d))).toEqual([false, false, true]);
    } finally {
      for (const g of [a, b, c]) killGroup(g, "SIGKILL");
    }
  });

  it("at EOF moves each land listed into its run directory, frees one whose symlink is gone, and leaves those taken off", () => {
    const base = mkdtempSync(join(tmpdir(), "qb-reaper-land-"));
    const mem = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "qb-reaper-test-"));
    try {
      const land = (name: string): { link: string; target: string } => {
        const target = join(mem, name);
        mkdirSync(join(target, "out"), { recursive: true });
        writeFileSync(join(target, "out/x.txt"), name);
        const link = join(base, `${name}-run-land`);
        symlinkSync(target, link);
        return { link, target };
      };
      const [moved, orphan, kept] = [land("moved"), land("orphan"), land("kept")];
      rmSync(orphan.link); // its run directory was removed
      const lines = [moved, orphan, kept].flatMap((l) => [`land ${l.link}`, `mem ${l.target}`]).concat([`unland ${kept.link}`, `unmem ${kept.target}`]);
      const r = spawnSync("/bin/sh", ["-c", REAPER_SCRIPT], { input: lines.join("\n") + "\n", timeout: 5_000 });
      expect(r.status).toBe(0);
      expect(lstatSync(moved.link).isDirectory()).toBe(true);
      expect(readFileSync(join(moved.link, "out/x.txt"), "utf8")).toBe("moved");
      expect([moved.target, orphan.target].map((t) => existsSync(t))).toEqual([false, false]);
      expect(lstatSync(kept.link).isSymbolicLink()).toBe(true);
      expect(existsSync(kept.target)).toBe(true);
    } finally {
      rmSync(base, { recursive: true, force: true });
      rmSync(mem, { recursive: true, force: true });
    }
  });
});
