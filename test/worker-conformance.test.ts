/**
 * `qb worker test` on every example worker (it must pass), on workers that break the
 * contract (it must fail, naming the check), and on bad usage; and no worker process is
 * ever left behind (checked by PID and process group).
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { groupMembers, processAlive } from "../src/process/process-group.js";
import { PYTHON, QB, ROOT, pythonReady, runQb, warnPythonSkipped } from "./worker-fixtures/helpers.js";

interface Report {
  ok: boolean;
  pid: number | null;
  results: Array<{ name: string; status: "pass" | "fail" | "skip"; detail: string }>;
}

async function conformance(command: string[], env: Record<string, string> = {}): Promise<{ code: number; report: Report; stderr: string }> {
  const r = await runQb(["worker", "test", "--json", "--", ...command], { env });
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`qb worker test printed no JSON report (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, report, stderr: r.stderr };
}

function status(report: Report): Record<string, string> {
  return Object.fromEntries(report.results.map((r) => [r.name, r.status]));
}

/** The worker's process group is empty and its first process is gone. */
function expectNothingLeft(report: Report): void {
  expect(report.pid).toBeTypeOf("number");
  expect(processAlive(report.pid!)).toBe(false);
  expect(groupMembers(report.pid!)).toEqual([]);
}

/** One retry: the checks' 100 ms bounds can be missed on a machine busy with other tests. */
const TIMING = { timeout: 90_000, retry: 1 };

const SESSION_CHECKS = [
  "session.unknown-method",
  "session.echo",
  "session.error",
  "session.cancel",
  "session.deadline",
  "session.concurrency",
  "session.held",
  "session.malformed",
  "session.oversized",
  "session.batches",
];
const INVOKE_CHECKS = [
  "invoke.unknown-method",
  "invoke.echo",
  "invoke.error",
  "invoke.cancel",
  "invoke.deadline",
  "invoke.concurrency",
  "invoke.malformed",
  "invoke.oversized",
];

describe("qb worker test passes for every example worker", () => {
  for (const [name, command] of [
    ["montecarlo (TypeScript)", ["node", "examples/workers/montecarlo.js"]],
    ["md5 (TypeScript)", ["node", "examples/workers/md5.js"]],
    ["montecarlo (Python, qb_worker.py)", [PYTHON, "examples/workers/python/montecarlo.py"]],
  ] as const) {
    it.skipIf(command[0] === PYTHON && !pythonReady)(`${name}: every check passes, none skipped`, TIMING, async () => {
      const { code, report } = await conformance([...command]);
      const failures = report.results.filter((r) => r.status !== "pass");
      expect(failures, JSON.stringify(failures, null, 2)).toEqual([]);
      expect(code).toBe(0);
      expect(report.ok).toBe(true);
      // the whole contract, Invoke and Session, was exercised
      expect(Object.keys(status(report))).toEqual(expect.arrayContaining(["start", "health", "describe", ...INVOKE_CHECKS, ...SESSION_CHECKS, "shutdown"]));
      expectNothingLeft(report);
    });
  }

  warnPythonSkipped("qb worker test of the Python workers");
  it.skipIf(!pythonReady)(
    "minimal (Python, from docs/worker-protocol.md): passes; Describe and Session checks are skipped (Invoke + health only)",
    TIMING,
    async () => {
      const { code, report } = await conformance([PYTHON, "examples/workers/python/minimal.py"]);
      const failures = report.results.filter((r) => r.status === "fail");
      expect(failures, JSON.stringify(failures, null, 2)).toEqual([]);
      expect(code).toBe(0);
      const s = status(report);
      for (const c of ["start", "health", "invoke.unknown-method", "invoke.malformed", "invoke.oversized", "shutdown"]) expect(s[c], c).toBe("pass");
      expect(s.describe).toBe("skip");
      for (const c of SESSION_CHECKS) expect(s[c], c).toBe("skip");
      expectNothingLeft(report);
    },
  );

  it("a plain Invoke worker on bare grpc-js (no SDK) passes", TIMING, async () => {
    const { code, report } = await conformance(["node", "--import", "tsx", "test/worker-fixtures/raw-worker.ts"], { RAW_MODE: "good" });
    expect(report.results.filter((r) => r.status === "fail")).toEqual([]);
    expect(code).toBe(0);
    for (const c of INVOKE_CHECKS) expect(status(report)[c], c).toBe("pass");
    expectNothingLeft(report);
  });
});

describe.concurrent("qb worker test fails workers that break the contract", () => {
  it("a worker that dies on a failing call: invoke.error fails, exit 1", async () => {
    const { code, report } = await conformance(["node", "--import", "tsx", "test/worker-fixtures/raw-worker.ts"], { RAW_MODE: "exit-on-fail" });
    expect(code).toBe(1);
    expect(status(report)["invoke.error"]).toBe("fail");
    expect(report.results.find((r) => r.name === "invoke.cancel")?.detail).toMatch(/no longer running/);
    expectNothingLeft(report);
  }, 60_000);

  it("a worker whose methods never see cancel: invoke.cancel and invoke.deadline fail", async () => {
    const { code, report } = await conformance(["node", "--import", "tsx", "test/worker-fixtures/raw-worker.ts"], { RAW_MODE: "ignore-abort" });
    expect(code).toBe(1);
    const s = status(report);
    expect(s["invoke.cancel"]).toBe("fail");
    expect(s["invoke.deadline"]).toBe("fail");
    expect(s["invoke.echo"]).toBe("pass");
    expectNothingLeft(report);
  }, 60_000);

  it("a worker that answers unknown methods with a result: invoke.unknown-method fails", async () => {
    const { code, report } = await conformance(["node", "--import", "tsx", "test/worker-fixtures/raw-worker.ts"], { RAW_MODE: "wrong-unknown" });
    expect(code).toBe(1);
    expect(status(report)["invoke.unknown-method"]).toBe("fail");
    expectNothingLeft(report);
  }, 60_000);

  it("a worker that ignores SIGTERM: shutdown fails and the worker is killed anyway", async () => {
    const { code, report } = await conformance(["node", "--import", "tsx", "test/worker-fixtures/raw-worker.ts"], { RAW_MODE: "ignore-sigterm" });
    expect(code).toBe(1);
    expect(status(report).shutdown).toBe("fail");
    expectNothingLeft(report);
  }, 60_000);

  it("a command that never serves: start fails, every other check is skipped, nothing is left running", async () => {
    const r = await runQb(["worker", "test", "--json", "--start-timeout", "1500", "--", "sleep 300 & sleep 301"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.results[0]).toMatchObject({ name: "start", status: "fail" });
    expect(report.results.slice(1).every((x) => x.status === "skip")).toBe(true);
    // both sleeps (one in the background of the shell) are gone
    expectNothingLeft(report);
  }, 30_000);

  it("a command that exits at once: start fails with its exit code", async () => {
    const r = await runQb(["worker", "test", "--", "sh", "-c", "'exit 7'"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}start .*exited \(code 7\)/);
  }, 30_000);
});

describe("qb worker test output and usage", () => {
  it("interrupted (SIGINT) mid-run, it kills the worker's process group and exits 1, as qb run does", async () => {
    const qb = spawn(process.execPath, [QB, "worker", "test", "--", "node", "examples/workers/montecarlo.js"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => qb.on("exit", (code) => resolve(code)));
    let out = "";
    let err = "";
    qb.stdout.on("data", (d: Buffer) => (out += d.toString()));
    qb.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const until = Date.now() + 20_000;
    while (!/^PASS {2}health/m.test(out) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const pid = Number(/^PASS {2}start +pid (\d+)/m.exec(out)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(processAlive(pid)).toBe(true);
    qb.kill("SIGINT");
    expect(await exited).toBe(1);
    expect(err).toContain("SIGINT received, worker stopped");
    // SIGKILL was sent before qb exited; on a busy machine the kernel may take a moment
    const gone = Date.now() + 2_000;
    while ((processAlive(pid) || groupMembers(pid).length > 0) && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    expect(processAlive(pid)).toBe(false);
    expect(groupMembers(pid)).toEqual([]);
  }, 30_000);

  it("prints one PASS/FAIL/SKIP line per check and a summary", async () => {
    const r = await runQb(["worker", "test", "node", "--import", "tsx", "test/worker-fixtures/raw-worker.ts"], { env: { RAW_MODE: "good" } });
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n").filter((l) => /^(PASS|FAIL|SKIP) {2}/.test(l));
    expect(lines.length).toBe(22);
    expect(r.stdout).toMatch(/^PASS {2}invoke\.cancel +abort signal fired \d+ ms after the cancel/m);
    expect(r.stdout).toMatch(/^SKIP {2}session\.held/m);
    expect(r.stdout).toMatch(/^SKIP {2}session\.batches/m);
    expect(r.stdout).toMatch(/\d+ passed, 0 failed, \d+ skipped/);
  }, 60_000);

  it("exits 2 without a command", async () => {
    const r = await runQb(["worker", "test"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });

  it("exits 2 on a bad option value", async () => {
    const r = await runQb(["worker", "test", "--start-timeout", "soon", "--", "true"]);
    expect(r.code).toBe(2);
  });
});
