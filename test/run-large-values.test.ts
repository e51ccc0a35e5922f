/**
 * Values far over the message limit, end to end: a 200 MB value made by a TypeScript worker
 * reaches a Python worker and a TypeScript one; a 20 MB value made by the Python worker
 * reaches the TypeScript one wrapped in an input the quarterback builds. Each crosses the run's land
 * as a spilled value (land/spilled-value.ts), written once by whoever made it: passed on as
 * a whole it goes as the same reference, and only an input the quarterback built is written
 * again. A spilled answer whose file does not match fails its call, naming the file.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { PYTHON, pythonReady, warnPythonSkipped } from "./worker-fixtures/helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "qb-large-values-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TS = `node ${ROOT}/test/workers/big-value.js`;
const PY = `${PYTHON} ${ROOT}/test/worker-fixtures/python_big_value_worker.py`;
const CHUNK = 100_000;

/** What digest answers for make({mb, seed}): the same chunks, hashed here. */
function expected(mb: number, seed: number): { bytes: number; sha256: string } {
  const hash = createHash("sha256");
  const n = Math.round((mb * 1_000_000) / CHUNK);
  for (let i = 0; i < n; i++) hash.update(String.fromCharCode(97 + ((seed + i) % 26)).repeat(CHUNK - 8) + String(i).padStart(8, "0"));
  return { bytes: n * CHUNK, sha256: hash.digest("hex") };
}

function qbRun(flow: string, name: string): { status: number | null; stdout: string; stderr: string; land: string } {
  const file = join(tmp, `${name}.flow`);
  writeFileSync(file, flow);
  const runDir = join(tmp, name);
  const r = spawnSync(process.execPath, [join(ROOT, "bin/qb.js"), "run", file, "--run-dir", runDir], { encoding: "utf8", cwd: tmp, timeout: 150_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, land: join(runDir, "land") };
}

const spilledFiles = (land: string): number[] =>
  readdirSync(join(land, "values"))
    .map((f) => statSync(join(land, "values", f)).size)
    .sort((a, b) => b - a);

if (!pythonReady) warnPythonSkipped("the large-value test through a Python worker (test/run-large-values.test.ts)");

describe.skipIf(!pythonReady)("a value over the message limit", () => {
  it("goes through the land: 200 MB from a TypeScript worker to a Python one and to another call, 20 MB from Python back", () => {
    const r = qbRun(
      `flow big() {
  worker ts { run "${TS}" }
  worker py { run "${PY}" }
  big    = [200] | ts.make(mb: item, seed: 3)
  viaPy  = big | py.digest(item)
  viaTs  = big | ts.digest(item)
  back   = [20] | py.make(mb: item, seed: 5)
  backTs = back | ts.digestIn(v: item)
  emit viaPy
  emit viaTs
  emit backTs
}
`,
      "through",
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, Array<{ bytes: number; sha256: string }>>;
    const big = expected(200, 3);
    expect(out.viaPy![0]).toMatchObject(big);
    expect(out.viaTs![0]).toMatchObject(big);
    expect(out.backTs![0]).toMatchObject(expected(20, 5));
    // written once each: make's answer (TypeScript, 200 MB), the Python worker's (20 MB) and
    // the input {v: ...} the quarterback built around it; big went on as the same reference
    const sizes = spilledFiles(r.land);
    expect(sizes).toHaveLength(3);
    expect(sizes[0]).toBeGreaterThan(200_000_000);
    for (const size of sizes.slice(1)) {
      expect(size).toBeGreaterThan(20_000_000);
      expect(size).toBeLessThan(21_000_000);
    }
  }, 160_000);
});

describe("a spilled answer whose file is not its reference", () => {
  it("fails its call, not retried, naming worker, method and the land file", () => {
    const r = qbRun(
      `flow forged() {
  worker ts { run "${TS}" }
  xs = [1] | ts.forge(v: item)
  emit xs
}
`,
      "forged",
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ts\.forge/);
    expect(r.stderr).toContain("could not be read");
    expect(r.stderr).toMatch(/values\/forged\.json/);
    expect(r.stderr).toContain("does not match its reference");
    expect(r.stderr).not.toMatch(/attempt 2/);
  }, 60_000);
});
