/**
 * A quarterback killed with SIGKILL (or by the OOM killer) runs no teardown of its own: its
 * workers, whatever they are written in and whatever they started, must still die with it,
 * and the run's temporary socket folder must go (the reaper, src/process/reaper.ts).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { probeFlow } from "./support/probe-flow.js";
import { groupMembers, pidsOf, startQb, type QbRun } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-orphans-"));

const SLEEPS = "  s = range(4) | p.sleep(ms: 60000, v: item) parallel 4\n  emit s";

/** Waits up to `ms` for `done()`, polling. */
async function within(ms: number, done: () => Promise<boolean> | boolean): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** SIGKILLs `qb run` once its calls run; the workers' groups and the socket folder must be gone within 2 s. */
async function killAndCheck(run: QbRun): Promise<void> {
  const started = (await run.waitFor((e) => e.type === "pod.started")) as { replicas: Array<{ address: string }> };
  await run.waitFor((e) => e.type === "call.started");
  const pids = pidsOf(run);
  expect(pids.length).toBeGreaterThan(0);
  const sockets = dirname(started.replicas[0]!.address.slice("unix:".length));
  expect(existsSync(sockets)).toBe(true);
  run.child.kill("SIGKILL");
  await run.exit;
  const gone = await within(2_000, async () => (await groupMembers(pids)).length === 0 && !existsSync(sockets));
  const left = await groupMembers(pids);
  // never leave them running, whatever the assertion says
  for (const p of left) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(sockets, { recursive: true, force: true });
  expect({ left, socketsLeft: existsSync(sockets) }).toEqual({ left: [], socketsLeft: false });
  expect(gone).toBe(true);
}

describe("qb run killed with SIGKILL", () => {
  it("takes its workers and its socket folder with it", async () => {
    await killAndCheck(startQb(["run", "--json", probeFlow(dir, "killed", SLEEPS, 2)]));
  });

  it("takes a worker that is a shell script, and the children it started, with it", async () => {
    const path = join(dir, "script.flow");
    writeFileSync(path, `flow script() {\n  worker p { run "sleep 1000 & node ${ROOT}/test/workers/probe.js" }\n${SLEEPS}\n}\n`);
    const run = startQb(["run", "--json", path]);
    await run.waitFor((e) => e.type === "call.started");
    // the shell, the sleep and the worker: three processes in the group
    expect((await groupMembers(pidsOf(run))).length).toBe(3);
    await killAndCheck(run);
  });
});
