import { describe, expect, it } from "vitest";
import { LandMediumError, MEMORY_LAND_MIN_FREE, memoryLandParent } from "./land-medium.js";

const TMPFS = 0x01021994;
const EXT4 = 0xef53;
const fs = (type: number, free: number) => () => ({ type, bavail: free / 4096, bsize: 4096 });
const missing = () => {
  throw Object.assign(new Error("no"), { code: "ENOENT" });
};

describe("where a local run's land lives", () => {
  it("auto: in memory on a tmpfs with 4 GiB free, else on disk", () => {
    expect(memoryLandParent("auto", fs(TMPFS, MEMORY_LAND_MIN_FREE))).toBe("/dev/shm");
    expect(memoryLandParent("auto", fs(TMPFS, MEMORY_LAND_MIN_FREE - 4096))).toBeUndefined();
    expect(memoryLandParent("auto", fs(EXT4, 2 ** 40))).toBeUndefined();
    expect(memoryLandParent("auto", missing)).toBeUndefined();
  });

  it("memory: on the tmpfs whatever it has free, refused where there is none; disk: never in memory", () => {
    expect(memoryLandParent("memory", fs(TMPFS, 4096))).toBe("/dev/shm");
    expect(() => memoryLandParent("memory", fs(EXT4, 2 ** 40))).toThrow(new LandMediumError("--land memory: /dev/shm is not a memory file system (tmpfs)"));
    expect(() => memoryLandParent("memory", missing)).toThrow("--land memory: /dev/shm cannot be read (ENOENT)");
    expect(memoryLandParent("disk", fs(TMPFS, 2 ** 40))).toBeUndefined();
  });
});
