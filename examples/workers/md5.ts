/**
 * MD5 of files, the worker behind examples/digest.flow:
 *
 *   file({path, name?})        -> {name, md5}   md5 of one file; `path` is absolute, or relative
 *                                               to the land (then it may not leave the land)
 *   index([{name, md5}, ...])  -> {name: md5}   one object, keys sorted
 *
 * Run: node examples/workers/md5.js   (the .js launcher runs this file through tsx)
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, isAbsolute } from "node:path";
import { pipeline } from "node:stream/promises";
import { CallError, InvalidArgumentError, serveWorker, type CallContext } from "quarterback/worker";

interface Digest {
  name: string;
  md5: string;
}

async function file(input: { path?: unknown; name?: unknown }, ctx: CallContext): Promise<Digest> {
  const path = input?.path;
  if (typeof path !== "string" || path === "") throw new InvalidArgumentError(`path must be a non-empty string, not ${JSON.stringify(path)}`);
  if (input.name !== undefined && input.name !== null && typeof input.name !== "string") throw new InvalidArgumentError("name must be a string");
  // one line per call in the worker's log (the run's logs/md5-N.log): what was read, by which call
  process.stderr.write(`md5 file ${JSON.stringify(path)}\n`);
  const abs = isAbsolute(path) ? path : await ctx.land.resolve(path);
  const hash = createHash("md5");
  try {
    if (!(await stat(abs)).isFile()) throw new InvalidArgumentError(`${path} is not a regular file`);
    await pipeline(createReadStream(abs), hash, { signal: ctx.abortSignal });
  } catch (cause) {
    if (cause instanceof CallError || ctx.abortSignal.aborted) throw cause;
    // missing, unreadable: name the file; reading it again will not help
    throw new CallError("FAILED", `cannot read ${path}: ${(cause as Error).message}`, { retryable: false, cause });
  }
  return { name: typeof input.name === "string" ? input.name : basename(path), md5: hash.digest("hex") };
}

function index(input: unknown): Record<string, string> {
  if (!Array.isArray(input)) throw new InvalidArgumentError(`index expects a list of {name, md5}, not ${JSON.stringify(input)?.slice(0, 80)}`);
  const table = new Map<string, string>();
  input.forEach((d: unknown, i) => {
    const e = d as Partial<Digest> | null;
    if (!e || typeof e.name !== "string" || typeof e.md5 !== "string" || !/^[0-9a-f]{32}$/.test(e.md5)) {
      throw new InvalidArgumentError(`item ${i} must be {name: string, md5: 32 hex digits}, not ${JSON.stringify(d)}`);
    }
    const seen = table.get(e.name);
    if (seen !== undefined && seen !== e.md5)
      throw new InvalidArgumentError(`name ${JSON.stringify(e.name)} appears twice with different md5s (${seen}, ${e.md5})`);
    table.set(e.name, e.md5);
  });
  return Object.fromEntries([...table.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

await serveWorker(
  {
    file: { handler: file, description: "md5 of one file (absolute path, or relative to the land)" },
    index: { handler: index, description: "a list of {name, md5} as one object name -> md5" },
  },
  { name: "md5", version: "0.1.0" },
);
