/** Dispatch over replicas: calls beyond what a worker declares it can run wait their turn. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { probeFlow } from "./support/probe-flow.js";
import { groupMembers, pidsOf, startQb } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-audit-dispatch-"));

const flow = (name: string, body: string, replicas = 1): string => probeFlow(dir, name, body, replicas);

describe("dispatch", () => {
  it("`parallel` above a replica's declared capacity (64) queues the extra calls instead of failing them", async () => {
    const run = startQb(["run", "--json", flow("over_capacity", "  xs = range(150) | p.sleep(ms: 200, v: item) parallel 100\n  n = xs | gather\n  emit n")]);
    const { code } = await run.exit;
    expect(run.stderr).toBe("");
    expect(code).toBe(0);
    const result = run.events.find((e) => e.type === "result") as { result: { n: number[][] } };
    expect([...result.result.n[0]!].sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    // no call was refused and retried: each ran once
    const runDir = (result as unknown as { runDir: string }).runDir;
    const starts = readFileSync(join(runDir, "land", "probe.log"), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("start "));
    expect(starts).toHaveLength(150);
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  });

  it("a retry refused while the worker still holds its only slot for the attempt it gave up on waits for the slot, and the run succeeds", async () => {
    const path = join(dir, "refused.flow");
    writeFileSync(
      path,
      `flow refused() {\n  worker w { run "node ${ROOT}/test/workers/one-slot.js" }\n  xs = [1] | w.lingers(ms: 600, v: item) timeout 150ms retry 1 backoff 10ms\n  emit xs\n}\n`,
    );
    const run = startQb(["run", "--json", path]);
    const { code } = await run.exit;
    expect(run.stderr).toBe("");
    expect(code).toBe(0);
    const result = run.events.find((e) => e.type === "result") as { result: { xs: Array<{ v: number; attempt: number }> } };
    // attempt 1 timed out; attempt 2 was refused until the slot freed, then ran: no third
    expect(result.result.xs).toEqual([{ v: 1, attempt: 2 }]);
    expect(run.events.filter((e) => e.type === "call.retried")).toHaveLength(1);
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  });

  it("a method's own RESOURCE_EXHAUSTED is a failed attempt like any other, not a refusal to wait out", async () => {
    const path = join(dir, "exhausted.flow");
    writeFileSync(
      path,
      `flow exhausted() {\n  worker w { run "node ${ROOT}/test/workers/one-slot.js" }\n  xs = [1] | w.exhausted retry 1 backoff 10ms\n  emit xs\n}\n`,
    );
    const t0 = Date.now();
    const run = startQb(["run", "--json", path]);
    const { code } = await run.exit;
    expect(code).toBe(1);
    expect(run.stderr).toContain("attempt 2/2");
    expect(run.stderr).toContain("out of device memory");
    expect(Date.now() - t0).toBeLessThan(10_000);
    const error = run.events.find((e) => e.type === "error") as { runDir: string };
    expect(readFileSync(join(error.runDir, "land", "exhausted.log"), "utf8")).toBe("ran\nran\n");
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  });
});
