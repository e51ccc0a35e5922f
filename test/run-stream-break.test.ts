/**
 * A replica's Session stream that breaks while the worker keeps serving (a reset
 * connection, a proxy that drops it): the quarterback opens a new stream and the calls that
 * were on the old one run again (with `retry`), instead of waiting forever for a replica it
 * had marked dead. The break is made by a proxy between the quarterback and an attached
 * worker, which cuts every connection while calls are in flight.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { cuttingProxy } from "./support/cutting-proxy.js";
import { startQb } from "./support/qb-process.js";
import { startWorker, type RunningWorker } from "./worker-fixtures/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "qb-break-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a Session stream that breaks", () => {
  let worker: RunningWorker | undefined;
  afterAll(async () => worker?.stop());

  it("is opened again, and the calls on it run again: the run succeeds instead of hanging", async () => {
    worker = await startWorker(`node ${join(ROOT, "test/workers/chaos.js")}`);
    const via = join(dir, "proxy.sock");
    const p = await cuttingProxy(via, worker.address.replace(/^unix:/, ""));
    try {
      const flow = join(dir, "break.flow");
      writeFileSync(
        flow,
        `flow brk() {\n  worker chaos { at "unix:${via}" }\n  xs = range(12) | chaos.wait(id: item, ms: 400) parallel 12 retry 2 backoff 10ms\n  emit xs\n}\n`,
      );
      const run = startQb(["run", "--json", flow, "--run-dir", join(dir, "run")]);
      await run.waitFor((e) => e.type === "pod.started");
      await new Promise((r) => setTimeout(r, 150));
      expect(p.cut()).toBeGreaterThan(0);
      const exited = await Promise.race([run.exit, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
      if (exited === null) run.child.kill("SIGKILL");
      expect(exited, "qb run was still waiting 10 s after the stream broke").not.toBeNull();
      expect(exited!.code, run.stderr).toBe(0);
      const result = run.events.at(-1) as { result: { xs: number[] } };
      expect([...result.result.xs].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(run.events.filter((e) => e.type === "call.retried").length).toBeGreaterThan(0);
    } finally {
      await p.close();
    }
  }, 30_000);
});
