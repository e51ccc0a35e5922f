/**
 * Frees the DuckDB chunks a read let go of. `@duckdb/node-bindings` frees a fetched chunk
 * only in its wrapper's finalizer, which runs after a garbage collection, and gives V8 no
 * hint of the memory behind it: a read of 2,000,000 rows left ~1,000 chunks unfreed, each
 * in fresh memory the VM faulted in page by page (fetching them took ~300 ms against ~30 ms
 * when a young-generation collection ran every few chunks and DuckDB's allocator reused
 * their pages). The bindings have no call that frees a chunk, so a reader of many chunks
 * asks V8 for a minor collection (a scavenge: ~0.1 ms with a young heap of this size).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Collect = (options: { type: "minor" }) => void;

let collect: Collect | null | undefined;

/** V8's gc function, had once from a fresh context without exposing it to the program's own. */
function collector(): Collect | null {
  if (collect !== undefined) return collect;
  try {
    const exposed = typeof (globalThis as { gc?: unknown }).gc === "function";
    if (!exposed) setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    if (!exposed) setFlagsFromString("--no-expose-gc");
    collect = typeof gc === "function" ? (gc as Collect) : null;
  } catch {
    // no gc to be had (a V8 without the flag): the chunks are freed when V8 collects on its own
    collect = null;
  }
  return collect;
}

/** Chunks fetched between two collections: ~2 MB of a 6-column table's chunks at most. */
export const CHUNKS_PER_COLLECTION = 8;

/** Runs a minor collection, so the finalizers of the chunks no longer referenced free them. */
export function releaseChunks(): void {
  collector()?.({ type: "minor" });
}
