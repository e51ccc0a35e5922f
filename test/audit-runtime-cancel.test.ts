/**
 * Cancellation against workers that do not cooperate: a method busy on the CPU sees neither
 * its abort nor SIGTERM until it returns. The run must still end within 1 s of the
 * failure (or Ctrl-C), and leave no process behind.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { probeFlow } from "./support/probe-flow.js";
import { groupMembers, pidsOf, startQb } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-audit-cancel-"));

const flow = (name: string, body: string, replicas = 1): string => probeFlow(dir, name, body, replicas);

describe("the run's last event", () => {
  it("comes after the events of calls a take no longer needed, which settle while the workers stop", async () => {
    const run = startQb(["run", "--json", flow("take_early", "  xs = range(40) | p.sleep(ms: 300, v: item) parallel 8\n  t = xs | take 1\n  emit t")]);
    const { code } = await run.exit;
    expect(code).toBe(0);
    const types = run.events.map((e) => e.type as string);
    const end = types.indexOf("run.finished");
    expect(end).toBeGreaterThan(0);
    // some calls were cancelled, and every one of their events came before the end
    expect(types.filter((t) => t === "call.cancelled").length).toBeGreaterThan(0);
    expect(types.slice(end + 1).filter((t) => t !== "result")).toEqual([]);
  });
});

describe("cancellation with busy workers", () => {
  it("a call past its timeout on a worker busy on the CPU ends the run within 1 s", async () => {
    const run = startQb(["run", "--json", flow("busy_timeout", "  b = range(2) | p.spin(ms: 8000, v: item) parallel 2 timeout 500ms\n  emit b")]);
    const failed = await run.waitFor((e) => e.type === "call.failed");
    const { code, at } = await run.exit;
    expect(code).toBe(1);
    // the message names the replica the call was on, as for any other failure
    expect(run.stderr).toMatch(/step `b`: p\.spin on replica 0, attempt 1\/1, input \{"ms":8000,"v":\d\}: timed out after 500 ms/);
    expect(at - (failed.time as number)).toBeLessThan(1000);
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  });

  it("SIGINT while every replica is busy on the CPU ends the run within 1 s", async () => {
    const run = startQb(["run", "--json", flow("busy_sigint", "  b = range(2) | p.spin(ms: 8000, v: item) parallel 2\n  emit b", 2)]);
    await run.waitFor((e) => e.type === "call.started" && e.callId !== undefined && run.events.filter((x) => x.type === "call.started").length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    const sentAt = Date.now();
    run.child.kill("SIGINT");
    const { code, at } = await run.exit;
    expect(code).toBe(1);
    expect(at - sentAt).toBeLessThan(1000);
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  });

  it("a fatal report from replica 0 cancels the run within 1 s and names step, worker, method, replica, attempt and input", async () => {
    const run = startQb([
      "run",
      "--json",
      flow("fatal_report", "  a = [{id: 1}] | p.fatal\n  b = range(4) | p.sleep(ms: 60000, v: item) parallel 4\n  emit a, b"),
    ]);
    const reported = await run.waitFor((e) => e.type === "log" && e.level === "error");
    const { code, at } = await run.exit;
    expect(code).toBe(1);
    expect(at - (reported.time as number)).toBeLessThan(1000);
    expect(run.stderr).toContain(
      'qb: run failed: step `a`: p.fatal on replica 0, attempt 1, input {"id":1}: the worker reported a fatal error: fatal from call 1',
    );
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  });
});
