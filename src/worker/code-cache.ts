/**
 * Loads a CommonJS bundle through V8's code cache. Node 20 has no compile cache of its
 * own (`module.enableCompileCache` came with Node 22), and a worker spends a good part of
 * its startup compiling grpc-js and protobufjs: with the functions its startup compiled
 * kept in `<file>.v8-cache`, the next start skips that (~30 ms of ~170 on the machines
 * here).
 *
 * The cache file is the SHA-256 of the source it was made from, then V8's data. V8 itself
 * checks only the source's length and its own version and flags, so the hash is what keeps
 * a cache written by a process of an earlier build from running old code. A cache that
 * does not match, or that V8 rejects, is not used and is written anew.
 *
 * A bundle of ASCII only (scripts/bundle.ts sees to it) is decoded as Latin-1: the same
 * string, made ~2 ms faster than through the UTF-8 decoder for the CLI's 1.4 MB.
 */
import { createHash } from "node:crypto";
import { isAscii } from "node:buffer";
import { accessSync, constants as fsConstants, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import vm from "node:vm";

/** Written this long after loading, once startup has compiled what it needs. */
const SAVE_AFTER_MS = 2_000;
const HASH_BYTES = 32;

export function loadWithCodeCache(file: string): unknown {
  const cacheFile = `${file}.v8-cache`;
  const bytes = readFileSync(file);
  const hash = createHash("sha256").update(bytes).digest();
  let cachedData: Buffer | undefined;
  try {
    const cache = readFileSync(cacheFile);
    if (cache.length > HASH_BYTES && cache.subarray(0, HASH_BYTES).equals(hash)) cachedData = cache.subarray(HASH_BYTES);
  } catch {
    // no cache yet
  }
  // the wrapper Node puts around a CommonJS module, and `__qbImport`: code run through
  // node:vm cannot import() (Node 20 drops a script's import callback when it comes from
  // the cache), so the bundle imports the packages it leaves outside through this
  // module's import(), getting the same modules (ESM or CommonJS build) as the rest of
  // the process
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname, __qbImport) {${bytes.toString(isAscii(bytes) ? "latin1" : "utf8")}\n})`,
    {
      filename: file,
      ...(cachedData ? { cachedData } : {}),
    },
  );
  const module = { exports: {} as unknown };
  const importOutside = (specifier: string): Promise<unknown> => import(specifier);
  (script.runInThisContext() as (...args: unknown[]) => void).call(
    module.exports,
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
    importOutside,
  );
  if ((cachedData === undefined || script.cachedDataRejected) && writable(dirname(file))) saveLater(script, hash, cacheFile);
  return module.exports;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, fsConstants.W_OK);
    return true;
  } catch {
    // a read-only install: every start compiles, as without a cache
    return false;
  }
}

/** Writes the cache after startup, or at exit if that comes first. */
function saveLater(script: vm.Script, hash: Buffer, cacheFile: string): void {
  let saved = false;
  const save = (): void => {
    if (saved) return;
    saved = true;
    process.off("exit", save);
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, Buffer.concat([hash, script.createCachedData()]));
      // several replicas may start at once: each renames a whole file into place
      renameSync(tmp, cacheFile);
    } catch {
      rmSync(tmp, { force: true });
    }
  };
  setTimeout(save, SAVE_AFTER_MS).unref();
  process.on("exit", save);
}
