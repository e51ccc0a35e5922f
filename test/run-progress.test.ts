/**
 * `qb run` shows a long call's progress: ctx.progress in a worker reaches the quarterback
 * (over Session, and through the callback service for a worker that speaks only Invoke),
 * comes out as call.progress events, and moves the terminal display's percentage. A call's
 * end says how long the worker's method ran (workerMs); a failure says which replica it was
 * and where its log stood then.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { PYTHON, pythonReady, QB, runQb, skipForWant, warnPythonSkipped } from "./worker-fixtures/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "qb-progress-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORKER = `node ${ROOT}/test/workers/progress.js`;
const FRACTIONS = [0.25, 0.5, 0.75];

/** A flow with one long call that reports FRACTIONS, `ms` apart, on worker command `run`. */
function slowFlow(name: string, run: string, ms: number): string {
  const path = join(dir, `${name}.flow`);
  writeFileSync(
    path,
    `flow ${name}() {\n  worker p { run "${run}" }\n  slow = [1] | p.phases(fractions: [${FRACTIONS.join(", ")}], ms: ${ms}, v: item)\n  emit slow\n}\n`,
  );
  return path;
}

type Event = Record<string, unknown> & { type: string };

async function runJson(flow: string, name: string): Promise<{ code: number; events: Event[]; stderr: string; runDir: string }> {
  const runDir = join(dir, "runs", name);
  const r = await runQb(["run", "--json", "--run-dir", runDir, flow]);
  const events = r.stdout
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Event);
  return { code: r.code, events, stderr: r.stderr, runDir };
}

/** The one call of step `slow`: its progress events, in order, and its end. */
function theCall(events: Event[]): { progress: Event[]; finished: Event } {
  const started = events.filter((e) => e.type === "call.started" && e.step === "slow");
  expect(started).toHaveLength(1);
  const callId = started[0]!.callId;
  const finished = events.find((e) => e.type === "call.finished" && e.callId === callId)!;
  expect(finished).toBeDefined();
  return { progress: events.filter((e) => e.type === "call.progress" && e.callId === callId), finished };
}

describe("qb run --json: a call's progress and timing", () => {
  it("publishes call.progress with the fractions a Session worker's method reported, for its step and call", async () => {
    const { code, events, stderr, runDir } = await runJson(slowFlow("viaSession", WORKER, 500), "session");
    expect(code, stderr).toBe(0);
    const { progress, finished } = theCall(events);
    expect(progress.map((e) => e.fraction)).toEqual(FRACTIONS);
    expect(progress.map((e) => e.message)).toEqual(FRACTIONS.map((f) => `at ${f}`));
    for (const e of progress) expect(e).toMatchObject({ step: "slow", time: expect.any(Number) });
    // all of them before the call's end
    expect(events.indexOf(progress.at(-1)!)).toBeLessThan(events.indexOf(finished));
    expect(finished.workerMs).toBeGreaterThanOrEqual(1_400);
    expect(finished.workerMs).toBeLessThanOrEqual(finished.ms as number);
    // the run's event log keeps them too
    const logged = readFileSync(join(runDir, "events.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Event);
    expect(logged.filter((e) => e.type === "call.progress").map((e) => e.fraction)).toEqual(FRACTIONS);
  });

  it("publishes call.progress for a worker that speaks only Invoke (its progress comes through the callback service)", async () => {
    // the worker reports an Invoke's progress at most every 500 ms: the reports are 600 ms apart
    const { code, events, stderr } = await runJson(slowFlow("viaInvoke", `PROGRESS_INVOKE=1 ${WORKER}`, 600), "invoke");
    expect(code, stderr).toBe(0);
    const { progress, finished } = theCall(events);
    expect(progress.map((e) => e.fraction)).toEqual(FRACTIONS);
    expect(finished.workerMs).toBeGreaterThanOrEqual(1_700);
    expect(finished.workerMs).toBeLessThanOrEqual(finished.ms as number);
  });

  it("names the replica of a failed call and the size its log had then, which ends after the lines it wrote before failing", async () => {
    const flow = join(dir, "boom.flow");
    writeFileSync(flow, `flow boom() {\n  worker p { run "${WORKER}" }\n  bad = [7] | p.boom(id: item)\n  emit bad\n}\n`);
    const { code, events, runDir } = await runJson(flow, "boom");
    expect(code).toBe(1);
    const failed = events.find((e) => e.type === "call.failed")!;
    expect(failed).toMatchObject({ step: "bad", worker: "p", replica: 0, logOffset: expect.any(Number) });
    const log = readFileSync(join(runDir, "logs", "p-0.log"));
    const before = log.subarray(0, failed.logOffset as number).toString();
    expect(before).toContain("before boom 7\n");
    expect(before.endsWith("before boom 7\n")).toBe(true);
  });
});

describe("qb run on a terminal", () => {
  const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;
  if (!hasScript) skipForWant("`script` (util-linux)", "the terminal display test", "install util-linux");
  it.skipIf(!hasScript)("shows a running step's percentage done from its call's progress, not just 0/1", async () => {
    const flow = slowFlow("onTty", WORKER, 500);
    const runDir = join(dir, "runs", "tty");
    // a pseudo-terminal: the live display redraws every 100 ms
    const r = spawnSync("script", ["-qfec", `${process.execPath} ${QB} run --run-dir ${runDir} ${flow}`, "/dev/null"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, COLUMNS: "160" },
    });
    expect(r.status, r.stdout).toBe(0);
    const shown = [...r.stdout.matchAll(/▶ slow\s+0\/1\s+(\d+)%/g)].map((m) => Number(m[1]));
    // the call's 25%, 50% and 75% while it ran
    const between = shown.filter((p) => p > 0 && p < 100);
    expect(between.length, r.stdout).toBeGreaterThan(0);
    expect(between).toContain(50);
    expect(r.stdout).toMatch(/✔ slow\s+1\/1\s+100%/);
  });
});

describe("a Python worker's time", () => {
  warnPythonSkipped("the Python worker's workerMs test");
  it.skipIf(!pythonReady)("reaches call.finished as workerMs", async () => {
    const { code, events, stderr } = await runJson(slowFlow("python", `${PYTHON} test/worker-fixtures/python_progress_worker.py`, 300), "python");
    expect(code, stderr).toBe(0);
    const { progress, finished } = theCall(events);
    expect(finished.workerMs).toBeGreaterThanOrEqual(850);
    expect(finished.workerMs).toBeLessThanOrEqual(finished.ms as number);
    // over Session its progress comes too
    expect(progress.map((e) => e.fraction)).toEqual(FRACTIONS);
  });
});
