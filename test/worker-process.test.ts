/** The SDK in a process of its own: the QB_LISTENING line, SIGTERM, a method that leaks a rejection. */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RemoteCallError } from "../src/client/errors.js";
import { WorkerClient } from "../src/client/worker-client.js";
import { WorkerProcess } from "../src/process/worker-process.js";
import { PYTHON, ROOT, pythonReady, startWorker, warnPythonSkipped } from "./worker-fixtures/helpers.js";

const FIXTURE = "node --import tsx test/worker-fixtures/sdk-worker.ts";

describe("a worker process", () => {
  it("with QB_LISTEN port 0, prints QB_LISTENING with the real port, and serves there", async () => {
    const proc = new WorkerProcess({ command: FIXTURE, cwd: ROOT, env: { ...process.env, QB_LISTEN: "127.0.0.1:0" } });
    try {
      const address = await proc.waitForAnnouncement(20_000);
      expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(address).not.toBe("127.0.0.1:0");
      const c = new WorkerClient(address!);
      await expect(c.health()).resolves.toBe("SERVING");
      await expect(c.invoke("pid", null)).resolves.toBe(proc.pid);
      c.close();
    } finally {
      await proc.stop(3_000);
    }
  }, 30_000);

  warnPythonSkipped("the Python worker's port-0 announcement");
  it.skipIf(!pythonReady)(
    "the Python worker announces its port the same way",
    async () => {
      const proc = new WorkerProcess({
        command: `${PYTHON} examples/workers/python/montecarlo.py`,
        cwd: ROOT,
        env: { ...process.env, QB_LISTEN: "127.0.0.1:0" },
      });
      try {
        const address = await proc.waitForAnnouncement(20_000);
        expect(address).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
        const c = new WorkerClient(address!);
        await expect(c.invoke("add", { left: { hits: 1, n: 2 }, right: { hits: 1, n: 2 } })).resolves.toEqual({ hits: 2, n: 4 });
        c.close();
      } finally {
        await proc.stop(3_000);
      }
    },
    30_000,
  );

  it("survives a method that throws synchronously and one that leaves a rejected promise unawaited", async () => {
    const w = await startWorker(FIXTURE);
    try {
      const e = (await w.client.invoke("crashSync", null).catch((x: unknown) => x)) as RemoteCallError;
      expect(e).toBeInstanceOf(RemoteCallError);
      expect(e.remoteType).toBe("RangeError");
      await expect(w.client.invoke("leak", null)).resolves.toBe("answered");
      // the rejection surfaces after the answer: give it time to (not) kill the process
      await new Promise((r) => setTimeout(r, 200));
      await expect(w.client.invoke("pid", null)).resolves.toBe(w.proc.pid);
      expect(w.proc.exit).toBeNull();
      expect(w.proc.tail.join("\n")).toMatch(/unhandled promise rejection.*nobody awaited me/s);
    } finally {
      await w.stop();
    }
  }, 30_000);

  it("on SIGTERM: in-flight calls get UNAVAILABLE (retryable), then it exits 0 and removes its socket", async () => {
    const w = await startWorker(FIXTURE);
    const s = w.client.session();
    const viaInvoke = w.client.invoke("wait", null).catch((x: unknown) => x);
    const viaSession = s.start("wait", null).result.catch((x: unknown) => x);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    w.proc.signal("SIGTERM");
    const errors = (await Promise.all([viaInvoke, viaSession])) as RemoteCallError[];
    for (const e of errors) {
      expect(e).toBeInstanceOf(RemoteCallError);
      expect(e.code).toBe("UNAVAILABLE");
      expect(e.retryable).toBe(true);
    }
    expect(await w.proc.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(w.proc.members()).toEqual([]);
    expect(existsSync(w.address.slice("unix:".length))).toBe(false);
    await w.stop();
  }, 30_000);
});
