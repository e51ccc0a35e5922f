/**
 * A resumed run starts with the land of the run it resumes: reused outputs may be land
 * references into it. Files are hard-linked (no copy, no extra space; a copy only across
 * file systems); symlinks are left out, so nothing the old land pointed at comes along.
 */
import { copyFile, link, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";

export async function linkLand(from: string, to: string): Promise<number> {
  let files = 0;
  let entries;
  try {
    entries = await readdir(from, { withFileTypes: true });
  } catch {
    return 0;
  }
  await mkdir(to, { recursive: true });
  for (const e of entries) {
    const src = join(from, e.name);
    const dst = join(to, e.name);
    if (e.isDirectory()) files += await linkLand(src, dst);
    else if (e.isFile()) {
      await link(src, dst).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code === "EXDEV" || err.code === "EPERM") await copyFile(src, dst);
        else if (err.code !== "EEXIST") throw err;
      });
      files++;
    }
  }
  return files;
}
