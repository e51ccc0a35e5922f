/**
 * The example workers do their jobs: Monte Carlo in TypeScript and Python give the same
 * numbers for the same inputs, and md5 digests files on disk and on the land.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemoteCallError } from "../src/client/errors.js";
import type { Json } from "../src/worker/types.js";
import { countHits } from "../examples/workers/mulberry32.js";
import { PYTHON, ROOT, pythonReady, startWorker, warnPythonSkipped, type RunningWorker } from "./worker-fixtures/helpers.js";

const CASES = [
  { n: 0, seed: 0 },
  { n: 1, seed: 0 },
  { n: 1000, seed: 1 },
  { n: 262_145, seed: 42 }, // crosses the TypeScript worker's chunk boundary
  { n: 1_250_000, seed: 15 }, // one shard of examples/pi.flow
  { n: 100_000, seed: 4_294_967_295 },
];

async function errorCode(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => "no error",
    (x: unknown) => x,
  );
  return e instanceof RemoteCallError ? e.code : String(e);
}

describe("montecarlo (TypeScript)", () => {
  let mc: RunningWorker;
  beforeAll(async () => {
    mc = await startWorker("node examples/workers/montecarlo.js");
  }, 30_000);
  afterAll(() => mc?.stop());

  it("sample is deterministic per seed and different across seeds", async () => {
    const a = await mc.client.invoke("sample", { n: 100_000, seed: 3 });
    const b = await mc.client.invoke("sample", { n: 100_000, seed: 3 });
    const c = await mc.client.invoke("sample", { n: 100_000, seed: 4 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).toEqual({ hits: countHits(3, 0, 100_000), n: 100_000 });
  });

  it("estimates pi like examples/pi.flow does: 16 shards, a tree of adds, a ratio", async () => {
    const shards = (await Promise.all(Array.from({ length: 16 }, (_, seed) => mc.client.invoke("sample", { n: 125_000, seed })))) as Json[];
    let level = shards;
    while (level.length > 1) {
      const next: Json[] = [];
      for (let i = 0; i < level.length; i += 2) next.push((await mc.client.invoke("add", { left: level[i]!, right: level[i + 1]! })) as Json);
      level = next;
    }
    const total = level[0] as { hits: number; n: number };
    expect(total.n).toBe(2_000_000);
    const pi = (await mc.client.invoke("ratio", { hits: total, samples: 2_000_000 })) as number;
    expect(pi).toBe((4 * total.hits) / total.n);
    expect(Math.abs(pi - Math.PI)).toBeLessThan(0.01);
  });

  it("refuses bad input with INVALID_ARGUMENT", async () => {
    expect(await errorCode(mc.client.invoke("sample", { n: -1, seed: 0 }))).toBe("INVALID_ARGUMENT");
    expect(await errorCode(mc.client.invoke("sample", { n: 1.5, seed: 0 }))).toBe("INVALID_ARGUMENT");
    expect(await errorCode(mc.client.invoke("sample", { n: 10, seed: 2 ** 32 }))).toBe("INVALID_ARGUMENT");
    expect(await errorCode(mc.client.invoke("add", { left: { hits: 5, n: 4 }, right: { hits: 0, n: 0 } }))).toBe("INVALID_ARGUMENT");
    expect(await errorCode(mc.client.invoke("ratio", { hits: { hits: 1, n: 4 }, samples: 5 }))).toBe("INVALID_ARGUMENT");
    expect(await errorCode(mc.client.invoke("ratio", { hits: { hits: 0, n: 0 } }))).toBe("INVALID_ARGUMENT");
    expect(await errorCode(mc.client.invoke("pool", { counts: [{ hits: 1, n: 2 }, "x"] }))).toBe("INVALID_ARGUMENT");
  });

  it("sample reports progress and stops when cancelled (over Session)", async () => {
    const s = mc.client.session();
    const progress: number[] = [];
    const call = s.start("sample", { n: 2 ** 40, seed: 1 }, { onProgress: (f) => progress.push(f) });
    while (progress.length < 2) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    call.cancel();
    await expect(call.result).rejects.toMatchObject({ code: "CANCELLED" });
    expect(Date.now() - t0).toBeLessThan(100);
    expect(progress.every((f, i) => f > 0 && f < 1 && (i === 0 || f > progress[i - 1]!))).toBe(true);
    // the worker is free again: the sampling loop really stopped
    const d = Date.now();
    await mc.client.invoke("sample", { n: 1000, seed: 1 });
    expect(Date.now() - d).toBeLessThan(200);
    s.cancel();
  });
});

describe("montecarlo: TypeScript and Python give the same results", () => {
  warnPythonSkipped("TypeScript/Python Monte Carlo parity");
  let ts: RunningWorker;
  let py: RunningWorker;
  beforeAll(async () => {
    if (!pythonReady) return;
    [ts, py] = await Promise.all([startWorker("node examples/workers/montecarlo.js"), startWorker(`${PYTHON} examples/workers/python/montecarlo.py`)]);
  }, 30_000);
  afterAll(async () => {
    await ts?.stop();
    await py?.stop();
  });

  it.skipIf(!pythonReady).each(CASES)("sample(%j)", async (input) => {
    const [a, b] = await Promise.all([ts.client.invoke("sample", input), py.client.invoke("sample", input)]);
    expect(b).toEqual(a);
    expect(a).toEqual({ hits: countHits(input.seed, 0, input.n), n: input.n });
  });

  it.skipIf(!pythonReady)("add, pool and ratio", async () => {
    const left = { hits: 785_087, n: 1_000_003 };
    const right = { hits: 3, n: 4 };
    for (const w of [ts, py]) {
      await expect(w.client.invoke("add", { left, right })).resolves.toEqual({ hits: 785_090, n: 1_000_007 });
      await expect(w.client.invoke("pool", { counts: [left, right, { hits: 0, n: 10 }] })).resolves.toEqual({ hits: 785_090, n: 1_000_017 });
      await expect(w.client.invoke("pool", { counts: [] })).resolves.toEqual({ hits: 0, n: 0 });
      await expect(w.client.invoke("ratio", { hits: { hits: 785_090, n: 1_000_007 }, samples: 1_000_007 })).resolves.toBe((4 * 785_090) / 1_000_007);
    }
  });

  it.skipIf(!pythonReady)("the same inputs are refused by both", async () => {
    const bad = [
      ["sample", { n: -1, seed: 0 }],
      ["sample", { n: 10, seed: 2 ** 32 }],
      ["add", { left: { hits: 5, n: 4 }, right: { hits: 0, n: 0 } }],
      ["ratio", { hits: { hits: 1, n: 4 }, samples: 5 }],
      ["pool", { counts: { hits: 1, n: 4 } }],
      [
        "pool",
        {
          counts: [
            { hits: 1, n: 4 },
            { hits: 5, n: 4 },
          ],
        },
      ],
    ] as Array<[string, Json]>;
    for (const [method, input] of bad) {
      expect([await errorCode(ts.client.invoke(method, input)), await errorCode(py.client.invoke(method, input))]).toEqual([
        "INVALID_ARGUMENT",
        "INVALID_ARGUMENT",
      ]);
    }
  });
});

describe("md5 (TypeScript)", () => {
  let md5: RunningWorker;
  beforeAll(async () => {
    md5 = await startWorker("node examples/workers/md5.js");
  }, 30_000);
  afterAll(() => md5?.stop());

  const root = join(ROOT, "examples/data/digest");
  const files = (function walk(dir: string): string[] {
    return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
  })(root);

  it("file digests absolute paths, like digest.flow's glob items", async () => {
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const name = relative(root, file);
      await expect(md5.client.invoke("file", { path: file, name })).resolves.toEqual({ name, md5: createHash("md5").update(readFileSync(file)).digest("hex") });
    }
  });

  it("index makes one sorted object; conflicting duplicates are refused", async () => {
    const digests = (await Promise.all(files.map((f) => md5.client.invoke("file", { path: f, name: relative(root, f) })))) as Json[];
    const table = (await md5.client.invoke("index", [...digests].reverse())) as Record<string, string>;
    expect(Object.keys(table)).toEqual(files.map((f) => relative(root, f)).sort());
    expect(
      await errorCode(
        md5.client.invoke("index", [
          { name: "a", md5: "0".repeat(32) },
          { name: "a", md5: "1".repeat(32) },
        ]),
      ),
    ).toBe("INVALID_ARGUMENT");
    expect(await errorCode(md5.client.invoke("index", { not: "a list" }))).toBe("INVALID_ARGUMENT");
  });

  it("relative paths are on the land, and may not leave it", async () => {
    await mkdir(join(md5.land, "in"), { recursive: true });
    await writeFile(join(md5.land, "in/x.txt"), "land data");
    await expect(md5.client.invoke("file", { path: "in/x.txt" })).resolves.toEqual({ name: "x.txt", md5: createHash("md5").update("land data").digest("hex") });
    expect(await errorCode(md5.client.invoke("file", { path: "../x.txt" }))).toBe("INVALID_ARGUMENT");
  });

  it("a missing or unreadable file fails the call, not retryable, naming the file", async () => {
    await writeFile(join(md5.land, "locked.txt"), "secret");
    await chmod(join(md5.land, "locked.txt"), 0o000);
    const unreadable = process.getuid?.() !== 0; // root reads anything
    for (const path of ["in/missing.txt", ...(unreadable ? ["locked.txt"] : [])]) {
      const e = (await md5.client.invoke("file", { path }).catch((x: unknown) => x)) as RemoteCallError;
      expect(e, path).toBeInstanceOf(RemoteCallError);
      expect(e.code).toBe("FAILED");
      expect(e.retryable).toBe(false);
      expect(e.message).toContain(`cannot read ${path}`);
    }
    await expect(md5.client.invoke("file", { path: "in" })).rejects.toMatchObject({ message: expect.stringMatching(/in is not a regular file/) });
  });
});
