/**
 * A spawned worker is dialled at the address it announces (`QB_LISTENING <address>` on its
 * stdout, docs/worker-protocol.md §2), which may not be the one it was offered: a worker
 * that listens on TCP whatever QB_LISTEN says works under `qb run` as under `qb worker test`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { groupMembers, pidsOf, startQb } from "./support/qb-process.js";
import { probeFlow } from "./support/probe-flow.js";

const dir = mkdtempSync(join(tmpdir(), "qb-announce-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the announced address", () => {
  it("is where qb run dials a worker that listens elsewhere than it was asked", async () => {
    const flow = probeFlow(dir, "tcp", "  xs = [1, 2, 3] | p.echo\n  emit xs");
    // the worker overrides QB_LISTEN: it listens on a TCP port of its own choosing
    const text = readFileSync(flow, "utf8").replace(
      `run "node ${ROOT}/test/workers/probe.js"`,
      `run "QB_LISTEN=127.0.0.1:0 node ${ROOT}/test/workers/probe.js"`,
    );
    writeFileSync(flow, text);
    const run = startQb(["run", "--json", flow, "--run-dir", join(dir, "run")]);
    const { code } = await run.exit;
    expect(code, run.stderr).toBe(0);
    const started = run.events.find((e) => e.type === "pod.started") as { replicas: Array<{ address: string }> };
    expect(started.replicas[0]!.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((run.events.at(-1) as { result: { xs: number[] } }).result.xs.sort()).toEqual([1, 2, 3]);
    expect(pidsOf(run).length).toBe(1);
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  }, 30_000);
});
