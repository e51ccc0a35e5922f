import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
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
});
