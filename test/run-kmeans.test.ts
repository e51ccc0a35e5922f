/**
 * The kmeans scenario of ../shared/acceptance/README.md with real workers: a pond synced
 * from lake/points.csv, `examples/kmeans.flow` (one held call per shard, loaded once), the
 * centroids and rounds of expected/kmeans.json, and numpy's answer on data made with other
 * seeds. Then what a loop must survive: a replica killed with SIGKILL mid-loop, Ctrl-C.
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePoints } from "../examples/data/make-points.js";
import { ACCEPTANCE, ROOT } from "./support/examples.js";
import { alive, groupMembers, pidsOf, startQb, type QbRun } from "./support/qb-process.js";
import { PYTHON, pythonReady, warnPythonSkipped } from "./worker-fixtures/helpers.js";

const LAKE = join(ACCEPTANCE, "lake", "points.csv");
const EXPECTED = JSON.parse(readFileSync(join(ACCEPTANCE, "expected", "kmeans.json"), "utf8")) as {
  centroids: number[][];
  rounds_run: number;
};

interface KmeansResult {
  centroids: number[][];
  rounds_run: number;
  shard_loads: number;
  shards: number;
}

const dir = mkdtempSync(join(tmpdir(), "qb-kmeans-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function qb(...args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, "bin/qb.js"), ...args], { cwd: ROOT, encoding: "utf8" });
}

/** A pond holding `csv` as table points. */
function pondOf(name: string, csv: string): string {
  const pond = join(dir, `${name}.duckdb`);
  qb("pond", "sync", "--pond", pond, "--from", csv, "--table", "points");
  return pond;
}

async function runKmeans(flow: string, pond: string, ...extra: string[]): Promise<{ result: KmeansResult; run: QbRun }> {
  const run = startQb(["run", "--json", flow, "--pond", pond, "--run-dir", join(dir, `run-${Math.random().toString(36).slice(2)}`), ...extra]);
  const { code } = await run.exit;
  expect(code, run.stderr).toBe(0);
  const last = run.events.at(-1) as { type: string; result: { final: KmeansResult[] } };
  expect(last.type).toBe("result");
  expect(last.result.final).toHaveLength(1);
  return { result: last.result.final[0]!, run };
}

function expectCentroids(got: number[][], want: number[][]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((c, j) => {
    expect(Math.abs(c[0]! - want[j]![0]!), `centroid ${j} x`).toBeLessThan(1e-6);
    expect(Math.abs(c[1]! - want[j]![1]!), `centroid ${j} y`).toBeLessThan(1e-6);
  });
}

/** A flow like examples/kmeans.flow whose held calls pause `pauseMs` every round, so tests can act mid-loop. */
function pausedFlow(pauseMs: number): string {
  const text = readFileSync(join(ROOT, "examples/kmeans.flow"), "utf8").replace(
    "km.assign(shard: item.shard)",
    `km.assign(shard: item.shard, pause_ms: ${pauseMs})`,
  );
  const path = join(dir, `paused-${pauseMs}.flow`);
  writeFileSync(path, text.replaceAll('"node examples/', `"node ${ROOT}/examples/`));
  return path;
}

let acceptancePond: string;
beforeAll(() => {
  acceptancePond = pondOf("acceptance", LAKE);
}, 60_000);

describe("kmeans (examples/kmeans.flow)", () => {
  it("gives expected/kmeans.json's centroids and rounds, loading each shard once", async () => {
    const { result, run } = await runKmeans(join(ROOT, "examples/kmeans.flow"), acceptancePond);
    expectCentroids(result.centroids, EXPECTED.centroids);
    expect(result.rounds_run).toBe(EXPECTED.rounds_run);
    expect(result.shards).toBe(8);
    expect(result.shard_loads).toBe(result.shards);
    // the rounds closed one by one: the assignment passes, the last one finding no change
    const rounds = run.events.filter((e) => e.type === "round.closed" && e.step === "sums");
    expect(rounds).toHaveLength(EXPECTED.rounds_run + 1);
    expect(run.events.filter((e) => e.type === "signal.closed")).toEqual([expect.objectContaining({ step: "sums", signal: "centroids", calls: 8 })]);
    expect(run.events.filter((e) => e.type === "held.finished")).toHaveLength(8);
  }, 60_000);

  it.each([11, 29])(
    "gives numpy's answer on other data (seed %i)",
    async (seed) => {
      if (!pythonReady) return warnPythonSkipped("kmeans against numpy");
      const csv = join(dir, `points-${seed}.csv`);
      await writePoints(createWriteStream(csv), { points: 30_000, shards: 5, clusters: 4, seed });
      const want = JSON.parse(execFileSync(PYTHON, [join(ROOT, "test/support/kmeans_reference.py"), csv], { encoding: "utf8" })) as {
        centroids: number[][];
        rounds_run: number;
        shards: number;
      };
      const { result } = await runKmeans(join(ROOT, "examples/kmeans.flow"), pondOf(`seed-${seed}`, csv));
      expectCentroids(result.centroids, want.centroids);
      expect(result.rounds_run).toBe(want.rounds_run);
      expect(result.shard_loads).toBe(want.shards);
    },
    60_000,
  );

  it("a replica killed with SIGKILL mid-loop: its held calls start again elsewhere, only their shards load twice, same centroids", async () => {
    const run = startQb(["run", "--json", pausedFlow(40), "--pond", acceptancePond, "--run-dir", join(dir, "killed")]);
    const started = (await run.waitFor((e) => e.type === "pod.started")) as { replicas: Array<{ worker: string; replica: number; pid: number }> };
    await run.waitFor((e) => e.type === "round.closed" && e.round === 3);
    const victim = started.replicas.find((r) => r.replica === 1)!;
    const onVictim = run.events.filter((e) => e.type === "held.started" && e.replica === 1).map((e) => e.call as number);
    expect(onVictim.length).toBeGreaterThan(0);
    process.kill(victim.pid, "SIGKILL");
    const { code } = await run.exit;
    expect(code, run.stderr).toBe(0);
    const result = (run.events.at(-1) as { result: { final: KmeansResult[] } }).result.final[0]!;
    expectCentroids(result.centroids, EXPECTED.centroids);
    expect(result.rounds_run).toBe(EXPECTED.rounds_run);
    // every held call that was on the dead replica started again (attempt 2) and loaded its shard again
    const restarted = run.events.filter((e) => e.type === "held.started" && e.attempt === 2).map((e) => e.call as number);
    expect(restarted.sort()).toEqual(onVictim.sort());
    expect(result.shard_loads).toBe(8 + onVictim.length);
    const loads = readdirSync(join(dir, "killed", "land", "kmeans")).map(
      (f) =>
        readFileSync(join(dir, "killed", "land", "kmeans", f), "utf8")
          .trim()
          .split("\n").length,
    );
    expect(loads.filter((n) => n === 2)).toHaveLength(onVictim.length);
    expect(loads.filter((n) => n === 1)).toHaveLength(8 - onVictim.length);
    expect(pidsOf(run).length).toBe(2);
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  }, 60_000);

  it("Ctrl-C during the loop ends the run within a second and leaves no process", async () => {
    const run = startQb(["run", "--json", pausedFlow(200), "--pond", acceptancePond, "--run-dir", join(dir, "interrupted")]);
    await run.waitFor((e) => e.type === "round.closed" && e.round === 2);
    const pids = pidsOf(run);
    expect(pids.length).toBe(2);
    const sentAt = Date.now();
    run.child.kill("SIGINT");
    const { code, at } = await run.exit;
    expect(code).toBe(1);
    expect(at - sentAt).toBeLessThan(1000);
    expect(run.stderr).toContain("run cancelled: SIGINT received");
    expect(await groupMembers(pids)).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);
});

describe("kmeans in Python (examples/kmeans-python.flow)", () => {
  warnPythonSkipped("the Python kmeans");
  it.skipIf(!pythonReady)(
    "gives the same centroids and rounds as expected/kmeans.json, loading each shard once",
    async () => {
      const { result } = await runKmeans(join(ROOT, "examples/kmeans-python.flow"), acceptancePond);
      expectCentroids(result.centroids, EXPECTED.centroids);
      expect(result.rounds_run).toBe(EXPECTED.rounds_run);
      expect(result.shard_loads).toBe(8);
    },
    60_000,
  );
});
