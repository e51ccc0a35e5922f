/**
 * A local run's land in memory (src/run/land-medium.ts): on /dev/shm while the run lasts,
 * reached through the symlink `<run>/land`; in the run directory once the run ends, moved
 * there by the quarterback, or by the reaper when the quarterback is killed. Nothing of it
 * is left in memory, nothing of it is lost.
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { startQb } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-land-memory-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tmpfs = ((): boolean => {
  try {
    return statfsSync("/dev/shm").type === 0x01021994;
  } catch {
    return false;
  }
})();
if (!tmpfs) console.warn("\n*** SKIPPED: the land in memory needs /dev/shm on a tmpfs (test/run-land-memory.test.ts) ***\n");

/** A flow whose calls take `ms` each, and whose items are written into the land. */
function flow(name: string, ms: number): string {
  const path = join(dir, `${name}.flow`);
  writeFileSync(
    path,
    `flow ${name}() {\n  worker p { run "node ${ROOT}/test/workers/probe.js" }\n  xs = range(3) | p.sleep(ms: ${ms}, v: item) parallel 3\n  into land("out/xs.jsonl") xs\n  emit xs\n}\n`,
  );
  return path;
}

/**
 * The lands in /dev/shm of the run whose land is `target` (`qb-land-<run id>-<random>`):
 * other runs (other test files, running alongside) come and go meanwhile.
 */
const landsOfRun = (target: string): string[] => {
  const prefix = basename(target).replace(/-[^-]+$/, "-");
  return readdirSync("/dev/shm").filter((f) => f.startsWith(prefix));
};

describe.skipIf(!tmpfs)("a local run's land in memory", () => {
  // ended by the quarterback's own move, or else by its reaper at exit: the quarterback's
  // move alone is src/run/settle-land.test.ts
  it("is on /dev/shm while the run lasts and in the run directory when it ends", async () => {
    const runDir = join(dir, "run");
    const run = startQb(["run", "--json", "--land", "memory", "--run-dir", runDir, flow("mem", 400)]);
    await run.waitFor((e) => e.type === "call.started");
    expect(lstatSync(join(runDir, "land")).isSymbolicLink()).toBe(true);
    const target = readlinkSync(join(runDir, "land"));
    expect(target).toMatch(/^\/dev\/shm\/qb-land-/);
    expect(landsOfRun(target)).toEqual([basename(target)]);
    expect((await run.exit).code).toBe(0);
    expect(lstatSync(join(runDir, "land")).isDirectory()).toBe(true);
    expect(readFileSync(join(runDir, "land/out/xs.jsonl"), "utf8").trim().split("\n").map(Number).sort()).toEqual([0, 1, 2]);
    expect(landsOfRun(target)).toEqual([]);
  });

  it("goes into the run directory through the reaper when the quarterback is killed", async () => {
    const runDir = join(dir, "killed");
    const run = startQb(["run", "--json", "--land", "memory", "--run-dir", runDir, flow("killed", 60_000)]);
    await run.waitFor((e) => e.type === "call.started");
    const target = readlinkSync(join(runDir, "land"));
    writeFileSync(join(target, "kept.txt"), "written during the run");
    run.child.kill("SIGKILL");
    await run.exit;
    const until = Date.now() + 5_000;
    while (Date.now() < until && !(existsSync(join(runDir, "land")) && lstatSync(join(runDir, "land")).isDirectory() && !existsSync(target)))
      await new Promise((r) => setTimeout(r, 20));
    expect(lstatSync(join(runDir, "land")).isDirectory()).toBe(true);
    expect(readFileSync(join(runDir, "land/kept.txt"), "utf8")).toBe("written during the run");
    expect(existsSync(target)).toBe(false);
    expect(landsOfRun(target)).toEqual([]);
  });

  it("--land disk keeps it in the run directory all along, and a bad --land is refused before anything starts", () => {
    const runDir = join(dir, "disk");
    const r = spawnSync(process.execPath, [join(ROOT, "bin/qb.js"), "run", "--land", "disk", "--run-dir", runDir, flow("disk", 1)], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(join(runDir, "land")).isDirectory()).toBe(true);
    const bad = spawnSync(process.execPath, [join(ROOT, "bin/qb.js"), "run", "--land", "ram", flow("bad", 1)], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--land ram: expected auto, memory or disk");
  });
});
