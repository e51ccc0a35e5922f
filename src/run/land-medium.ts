/**
 * Where a local run's land lives (docs/runtime.md, "The land in memory"). `auto`, the
 * default: in memory, on /dev/shm, when it is a tmpfs with at least 4 GiB free, else in the
 * run directory on disk; `memory` asks for /dev/shm and fails when it is not a tmpfs;
 * `disk` keeps it in the run directory. A land in memory is reached through the symlink
 * `<run>/land` while the run lasts, and is moved into the run directory when the run ends
 * (by the reaper when the quarterback is killed), so it is kept as a land on disk is.
 */
import { statfsSync } from "node:fs";

export type LandMedium = "auto" | "memory" | "disk";
export const LAND_MEDIA: readonly LandMedium[] = ["auto", "memory", "disk"];

/** The memory file system a land goes to. */
export const MEMORY_LAND_PARENT = "/dev/shm";
/** `auto` keeps the land in memory only when the tmpfs has this much free. */
export const MEMORY_LAND_MIN_FREE = 4 * 2 ** 30;
const TMPFS_MAGIC = 0x01021994;

export class LandMediumError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LandMediumError";
  }
}

type Statfs = (path: string) => { type: number; bavail: number; bsize: number };

/** The folder to make the land in (a tmpfs), or undefined for the run directory. */
export function memoryLandParent(medium: LandMedium, statfs: Statfs = statfsSync, parent = MEMORY_LAND_PARENT): string | undefined {
  if (medium === "disk") return undefined;
  let st: ReturnType<Statfs> | undefined;
  try {
    st = statfs(parent);
  } catch (cause) {
    if (medium === "memory")
      throw new LandMediumError(`--land memory: ${parent} cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { cause });
    return undefined;
  }
  if (st.type !== TMPFS_MAGIC) {
    if (medium === "memory") throw new LandMediumError(`--land memory: ${parent} is not a memory file system (tmpfs)`);
    return undefined;
  }
  if (medium === "auto" && st.bavail * st.bsize < MEMORY_LAND_MIN_FREE) return undefined;
  return parent;
}
