/**
 * A land in memory goes back into its run directory when the run ends: the symlink
 * `<run>/land` is replaced by a copy of the land, then the memory is freed. Across file
 * systems no rename can do it. A copy that fails leaves the land where it was, the symlink
 * to it back in place: nothing of it is lost, and the error says where it is.
 */
import { cp, rm, symlink } from "node:fs/promises";
import { forgetLand } from "../process/index.js";
import type { RunDir } from "./run-dir.js";

/** The land could not be moved into its run directory; it stays in memory, where the message says. */
export class LandSettleError extends Error {
  constructor(
    message: string,
    /** Where the land stays. */
    readonly land: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "LandSettleError";
  }
}

export async function settleLand(dir: RunDir): Promise<void> {
  if (!dir.inMemory) return;
  const { link } = dir.inMemory;
  const target = dir.land;
  await rm(link, { force: true });
  try {
    await cp(target, link, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, errorOnExist: true, force: false });
  } catch (err) {
    await rm(link, { recursive: true, force: true });
    await symlink(target, link);
    throw new LandSettleError(
      `the land stays in memory at ${target} (linked from ${link}): moving it into the run directory failed: ${(err as Error).message}`,
      target,
      { cause: err },
    );
  }
  forgetLand(link, target);
  await rm(target, { recursive: true, force: true });
  dir.land = link;
  delete dir.inMemory;
}
