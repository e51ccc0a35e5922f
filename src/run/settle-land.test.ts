/** The land in memory goes into the run directory when the run ends (the quarterback's own move; the reaper's is test/run-land-memory.test.ts). */
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeRunDir } from "./run-dir.js";
import { LandSettleError, settleLand } from "./settle-land.js";

const base = mkdtempSync(join(tmpdir(), "qb-settle-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("settleLand", () => {
  it("copies the land into the run directory in place of the symlink, frees the memory, and points the run at it", async () => {
    const memory = join(base, "memory");
    mkdirSync(memory);
    const dir = makeRunDir({ cwd: base, runDir: "run", landIn: memory });
    expect(lstatSync(join(dir.path, "land")).isSymbolicLink()).toBe(true);
    const inMemory = dir.land;
    mkdirSync(join(inMemory, "out"));
    writeFileSync(join(inMemory, "out/x.txt"), "kept");
    await settleLand(dir);
    expect(lstatSync(join(dir.path, "land")).isDirectory()).toBe(true);
    expect(readFileSync(join(dir.path, "land/out/x.txt"), "utf8")).toBe("kept");
    expect(existsSync(inMemory)).toBe(false);
    expect(dir.land).toBe(join(dir.path, "land"));
    expect(dir.inMemory).toBeUndefined();
    rmSync(dir.sockets, { recursive: true, force: true });
  });

  it("a copy that fails leaves the land in memory, linked from the run directory, and says where it is", async () => {
    const memory = join(base, "memory-fail");
    mkdirSync(memory);
    const dir = makeRunDir({ cwd: base, runDir: "fail", landIn: memory });
    const inMemory = dir.land;
    writeFileSync(join(inMemory, "x.txt"), "kept");
    // fs.cp refuses to copy a FIFO
    execFileSync("mkfifo", [join(inMemory, "pipe")]);
    const err = await settleLand(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LandSettleError);
    expect(err).toMatchObject({ land: inMemory, message: expect.stringContaining(`the land stays in memory at ${inMemory}`) });
    expect(readlinkSync(join(dir.path, "land"))).toBe(inMemory);
    expect(readFileSync(join(dir.path, "land/x.txt"), "utf8")).toBe("kept");
    expect(dir.inMemory).toEqual({ link: join(dir.path, "land") });
    rmSync(dir.sockets, { recursive: true, force: true });
  });

  it("leaves a land on disk as it is", async () => {
    const dir = makeRunDir({ cwd: base, runDir: "disk" });
    writeFileSync(join(dir.land, "y.txt"), "y");
    await settleLand(dir);
    expect(readFileSync(join(dir.path, "land/y.txt"), "utf8")).toBe("y");
    rmSync(dir.sockets, { recursive: true, force: true });
  });
});
