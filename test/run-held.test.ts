/**
 * Held calls on real worker processes (test/workers/probe.ts): a loop whose held call waits
 * with a single ctx.signal() for a signal nothing can send any more is a deadlock, reported
 * within a second naming the step, the call, the signal and its producer; a held call idle
 * past its `timeout` fails the run; neither leaves a process behind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { probeFlow } from "./support/probe-flow.js";
import { groupMembers, pidsOf, startQb } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-held-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("held calls end to end", () => {
  it("a held call waiting with ctx.signal() for a signal nothing can send fails the run as a deadlock, naming call, signal and producer", async () => {
    // one "go" goes out; the round it answers sends nothing back, and `rounds` wants three
    const flow = probeFlow(
      dir,
      "deadlock",
      `  start = [0] | p.echo
  h     = [{n: 3}] | p.rounds hold
  r     = h | gather by round
  more  = r | p.echo([]) | flatten
  go    = merge(start, more)
  h <- go as "go"
  emit r`,
    );
    const run = startQb(["run", "--json", flow, "--run-dir", join(dir, "deadlock")]);
    await run.waitFor((e) => e.type === "round.closed" && e.round === 1);
    const closedAt = Date.now();
    const { code, at } = await run.exit;
    expect(code).toBe(1);
    expect(at - closedAt).toBeLessThan(1000);
    expect(run.stderr).toMatch(
      /step `h`: deadlock: p\.rounds call 0 \(input \{"n":3\}\) waits for signal "go" with ctx\.signal\(\), but nothing can send it any more: `go` \(line 8\), which sends it, has nothing queued or in flight/,
    );
    expect(run.events.filter((e) => e.type === "signal.closed")).toEqual([expect.objectContaining({ step: "h", signal: "go" })]);
    expect(pidsOf(run).length).toBeGreaterThan(0);
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  }, 30_000);

  it("a held call idle past its timeout fails the run", async () => {
    const flow = probeFlow(
      dir,
      "idle",
      `  h = [1, 2] | p.stall(v: item) hold timeout 500ms
  emit h`,
    );
    const t0 = Date.now();
    const run = startQb(["run", "--json", flow, "--run-dir", join(dir, "idle")]);
    const { code, at } = await run.exit;
    expect(code).toBe(1);
    expect(run.stderr).toMatch(/step `h`: p\.stall on replica 0, attempt 1\/1, input \{"v":[12]\}: timed out after 500 ms without an event/);
    expect(at - t0).toBeLessThan(5_000);
    expect(pidsOf(run).length).toBeGreaterThan(0);
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  }, 30_000);
});
