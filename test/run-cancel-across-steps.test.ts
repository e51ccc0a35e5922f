/**
 * A failure in one step cancels the calls of every other step. Here the failure is in the
 * second step, while the first has long calls in flight on real worker processes
 * (test/workers/probe.ts): the run must end within a second of the failure, and every call
 * of the first step must see its abort (the probe logs it to the land). Without the run-wide
 * abort on the first failure (src/runtime/engine.ts, `guard`), the first step's calls ran on
 * until the teardown killed them, and `qb run` took ~20 s to exit.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { probeFlow } from "./support/probe-flow.js";
import { groupMembers, pidsOf, startQb, type QbRun } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-cancel-steps-"));

interface ProbeLine {
  event: string;
  method: string;
  key: unknown;
  at: number;
}

function probeLog(run: QbRun): ProbeLine[] {
  const started = run.events.find((e) => e.type === "run.started") as { runId: string } | undefined;
  return readFileSync(join(ROOT, ".qb", "runs", started!.runId, "land", "probe.log"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const [event, method, key, , at] = l.split(" ");
      return { event: event!, method: method!, key: JSON.parse(key!) as unknown, at: Number(at) };
    });
}

/** Eight calls of a minute each, and one short one whose result feeds whatever comes next. */
const LONG = [1, 2, 3, 4, 5, 6, 7, 8];
const FIRST_STEP = `  a = [{ms: 100, v: 0}, ${LONG.map((v) => `{ms: 60000, v: ${v}}`).join(", ")}] | p.sleep parallel 16`;

async function expectFailedFast(run: QbRun): Promise<void> {
  // the calls last a minute: a run that does not cancel them is stopped here, not by the test's timeout
  const ended = await Promise.race([run.exit, new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
  if (!ended) {
    run.child.kill("SIGTERM");
    await run.exit;
    throw new Error(`qb run was still running 5 s after it started, long after step b failed: step a's calls were not cancelled`);
  }
  const { code, at: exitedAt } = ended;
  expect(code).toBe(1);
  expect(run.stderr).toContain("qb: run failed: step `b`: p.flaky");
  const log = probeLog(run);
  // step 1's long calls were all in flight when step 2 failed
  const sleeps = log.filter((l) => l.method === "sleep" && l.event === "start").map((l) => l.key);
  expect(sleeps).toEqual(expect.arrayContaining([0, ...LONG]));
  const failedAt = log.find((l) => l.method === "flaky" && l.event === "start")!.at;
  // every one of them saw its abort
  expect(
    log
      .filter((l) => l.method === "sleep" && l.event === "aborted")
      .map((l) => l.key as number)
      .sort((x, y) => x - y),
  ).toEqual(LONG);
  expect(log.filter((l) => l.method === "sleep" && l.event === "end" && LONG.includes(l.key as number))).toEqual([]);
  expect(exitedAt - failedAt).toBeLessThan(1000);
  expect(await groupMembers(pidsOf(run))).toEqual([]);
}

describe("a failure in a later step", () => {
  it("fed by the first step: the first step's calls in flight are cancelled and the run ends within 1 s", async () => {
    const flow = probeFlow(dir, "downstream", `${FIRST_STEP}\n  b = a | p.flaky(id: item, fails: 9)\n  emit b`, 2);
    await expectFailedFast(startQb(["run", "--json", flow]));
  });

  it("beside the first step (no channel between them): the same", async () => {
    const flow = probeFlow(dir, "sibling", `${FIRST_STEP}\n  t = [{ms: 100, v: 100}] | p.sleep\n  b = t | p.flaky(id: item, fails: 9)\n  emit a, b`, 2);
    await expectFailedFast(startQb(["run", "--json", flow]));
  });
});
