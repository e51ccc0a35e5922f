/**
 * The cancel scenario: a failure, a timeout, a killed replica and Ctrl-C, each with many
 * calls in flight on real worker processes. What the handlers saw is read from the
 * chaos worker's log in the land; what is left alive is read from /proc.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { groupMembers, pidsOf, startQb, type QbRun } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-cancel-"));

function flow(name: string, items: object[], stage: string, replicas = 2): string {
  const path = join(dir, `${name}.flow`);
  writeFileSync(
    path,
    `flow ${name}() {
  worker chaos { run "node ${ROOT}/test/workers/chaos.js" replicas ${replicas} }
  calls = ${JSON.stringify(items).replace(/"(\w+)":/g, "$1: ")} | ${stage}
  emit calls
}
`,
  );
  return path;
}

interface LogLine {
  event: string;
  id: number;
  at: number;
  pid: number;
}
function chaosLog(run: QbRun): LogLine[] {
  const started = run.events.find((e) => e.type === "run.started") as { runId: string } | undefined;
  const runDir = join(ROOT, ".qb", "runs", started!.runId);
  return readFileSync(join(runDir, "land", "chaos.log"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const [event, id, at, pid] = l.split(" ");
      return { event: event!, id: Number(id), at: Number(at), pid: Number(pid) };
    });
}

describe("cancellation", () => {
  it("a call that throws with 32 in flight ends the run within 1 s; every other handler sees its abort; no process is left", async () => {
    const items = Array.from({ length: 32 }, (_, id) => (id === 7 ? { id, ms: 60_000, fail_after: 500 } : { id, ms: 60_000 }));
    const run = startQb(["run", "--json", flow("fail", items, "chaos.wait parallel 32")]);
    const { code, at: exitedAt } = await run.exit;
    expect(code).toBe(1);
    const log = chaosLog(run);
    const thrown = log.find((l) => l.event === "throw")!;
    expect(thrown.id).toBe(7);
    expect(log.filter((l) => l.event === "start")).toHaveLength(32);
    expect(
      log
        .filter((l) => l.event === "aborted")
        .map((l) => l.id)
        .sort((a, b) => a - b),
    ).toEqual(items.map((i) => i.id).filter((id) => id !== 7));
    expect(exitedAt - thrown.at).toBeLessThan(1000);
    expect(run.stderr).toContain("qb: run failed: step `calls`: chaos.wait");
    expect(run.stderr).toContain('input {"id":7,"ms":60000,"fail_after":500}: call 7 failed on purpose');
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  });

  it("a call past its timeout ends the run within 1 s and its handler sees the abort", async () => {
    const run = startQb([
      "run",
      "--json",
      flow(
        "timeout",
        [
          { id: 1, ms: 60_000 },
          { id: 2, ms: 60_000 },
        ],
        "chaos.wait timeout 400ms",
      ),
    ]);
    const started = Date.now();
    const { code, at } = await run.exit;
    expect(code).toBe(1);
    expect(run.stderr).toContain("timed out after 400 ms");
    const log = chaosLog(run);
    expect(log.filter((l) => l.event === "aborted")).toHaveLength(2);
    const firstStart = Math.min(...log.filter((l) => l.event === "start").map((l) => l.at));
    expect(at - firstStart).toBeLessThan(400 + 1000);
    expect(at - started).toBeGreaterThanOrEqual(400);
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  });

  it("kill -9 of a replica: its calls are retried on a new replica and the run succeeds", async () => {
    const items = Array.from({ length: 8 }, (_, id) => ({ id, ms: 1500 }));
    // one replica: the retried calls can only run on its replacement
    const run = startQb(["run", "--json", flow("crash", items, "chaos.wait parallel 8 retry 2 backoff 100ms", 1)]);
    await run.waitFor((e) => e.type === "pod.started");
    await run.waitFor((e) => e.type === "call.started");
    await new Promise((r) => setTimeout(r, 300));
    const victim = pidsOf(run)[0]!;
    process.kill(victim, "SIGKILL");
    const { code } = await run.exit;
    expect(run.stderr).toBe("");
    expect(code).toBe(0);
    const result = run.events.find((e) => e.type === "result") as { result: { calls: number[] } };
    expect([...result.result.calls].sort((a, b) => a - b)).toEqual(items.map((i) => i.id));
    expect(run.events.filter((e) => e.type === "call.retried").length).toBeGreaterThan(0);
    expect(run.events.some((e) => e.type === "log" && String(e.message).includes("replica 0 restarted"))).toBe(true);
    // the restarted replica is a new process, and it is gone too
    const log = chaosLog(run);
    const pids = new Set(log.map((l) => l.pid));
    expect(pids.size).toBe(2);
    expect(pids.has(victim)).toBe(true);
    // every call ended on the new process
    expect(log.filter((l) => l.event === "end").every((l) => l.pid !== victim)).toBe(true);
    expect(log.filter((l) => l.event === "end")).toHaveLength(8);
    expect(await groupMembers([...pids])).toEqual([]);
  });

  it("SIGINT to qb run cancels every call, tears down the workers and exits 1", async () => {
    const items = Array.from({ length: 16 }, (_, id) => ({ id, ms: 60_000 }));
    const run = startQb(["run", "--json", flow("interrupt", items, "chaos.wait parallel 16")]);
    await run.waitFor((e) => e.type === "pod.started");
    for (let i = 0; i < 16; i++)
      await run.waitFor((e) => e.type === "call.started" && e.callId !== undefined && run.events.filter((x) => x.type === "call.started").length >= 16);
    const sentAt = Date.now();
    run.child.kill("SIGINT");
    const { code, at } = await run.exit;
    expect(code).toBe(1);
    expect(at - sentAt).toBeLessThan(1000);
    expect(run.stderr).toContain("run cancelled: SIGINT received");
    expect(chaosLog(run).filter((l) => l.event === "aborted")).toHaveLength(16);
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  });
});
