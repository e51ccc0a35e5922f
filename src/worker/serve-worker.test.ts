/** serveWorker: Describe, capacity, progress, callback reports, ctx.land, configuration, shutdown. */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xxhash128 } from "hash-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, until, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import { serveCallback, type CallbackServer } from "../proto/callback-server.js";
import type { ReportRequestMsg } from "../proto/messages.js";
import { LandRef } from "../land/ref.js";
import { RemoteCallError } from "../client/errors.js";
import { WorkerClient } from "../client/worker-client.js";
import { UnavailableError, WorkerConfigError } from "./errors.js";
import { serveWorker } from "./serve-worker.js";
import type { CallContext } from "./types.js";

const methods = {
  /** Runs until aborted. */
  hold: (_i: unknown, ctx: CallContext) => new Promise((_resolve, reject) => ctx.abortSignal.addEventListener("abort", () => reject(ctx.abortSignal.reason))),
  chatty: async (input: { steps: number }, ctx: CallContext) => {
    for (let i = 1; i <= input.steps; i++) {
      ctx.progress(i / input.steps, `step ${i}`);
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    return input.steps;
  },
  report: async (input: { fatal: boolean }, ctx: CallContext) => ctx.report({ kind: "error", message: "disk almost full", fatal: input.fatal }),
  writeLand: async (input: { path: string; text: string }, ctx: CallContext) => ctx.land.writeFile(input.path, input.text),
  readLand: async (input: LandRef | { path: string }, ctx: CallContext) => ctx.land.readText(input instanceof LandRef ? input : input.path),
  info: (_i: unknown, ctx: CallContext) => ({ callId: ctx.callId, method: ctx.method, attempt: ctx.attempt, deadline: ctx.deadline }),
};

let w: TestWorker;
let cb: CallbackServer;
const reports: ReportRequestMsg[] = [];
beforeAll(async () => {
  cb = await serveCallback({ report: (r) => (reports.push(r), { runCancelled: r.fatal }) });
  w = await serveForTest(methods, {
    name: "unit",
    version: "9.9.9",
    maxConcurrentCalls: 3,
    callback: cb.address,
    env: { QB_WORKER_NAME: "unit-w", QB_REPLICA: "2" },
  });
});
afterAll(async () => {
  await w.close();
  await cb.close();
});

describe("serveWorker", () => {
  it("Describe: name, version, methods, capacity, Session, message limit", async () => {
    const d = await w.client.describe();
    expect(d).toMatchObject({
      name: "unit",
      version: "9.9.9",
      maxConcurrentCalls: 3,
      session: true,
      maxMessageBytes: 4 * 1024 * 1024,
      sdk: "quarterback-ts/0.1.0",
    });
    expect(d.methods.map((m) => m.name)).toEqual([
      "hold",
      "chatty",
      "report",
      "writeLand",
      "readLand",
      "info",
      "qb.echo",
      "qb.fail",
      "qb.sleep",
      "qb.aborted",
      "qb.held",
    ]);
  });

  it("refuses calls beyond max concurrent calls with retryable RESOURCE_EXHAUSTED", async () => {
    const s = w.client.session();
    const held = [1, 2, 3].map(() => s.start("hold", null));
    await until(() => w.server.inFlight() === 3);
    const e = (await w.client.invoke("info", null).catch((x: unknown) => x)) as RemoteCallError;
    expect(e.code).toBe("RESOURCE_EXHAUSTED");
    expect(e.retryable).toBe(true);
    for (const c of held) c.cancel();
    await until(() => w.server.inFlight() === 0);
    await expect(w.client.invoke("info", null)).resolves.toBeTruthy();
    s.cancel();
  });

  it("passes call id and attempt; Invoke's gRPC deadline becomes ctx.deadline", async () => {
    const before = Date.now();
    const r = (await w.client.invoke("info", null, { callId: "c-42", attempt: 3, timeoutMs: 10_000 })) as { callId: string; attempt: number; deadline: number };
    expect(r).toMatchObject({ callId: "c-42", method: "info", attempt: 3 });
    expect(r.deadline).toBeGreaterThanOrEqual(before + 9_000);
    const s = w.client.session();
    await expect(s.start("info", null, { attempt: 2, callId: "s-1" }).result).resolves.toEqual({ callId: "s-1", method: "info", attempt: 2, deadline: null });
    s.cancel();
  });

  it("coalesces progress to at most one message per 50 ms, fractions rising", async () => {
    const s = w.client.session();
    const seen: number[] = [];
    const t0 = Date.now();
    const call = s.start("chatty", { steps: 1000 }, { onProgress: (f) => seen.push(f) });
    await expect(call.result).resolves.toBe(1000);
    const took = Date.now() - t0;
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(took / 50) + 1);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.every((f) => f > 0 && f <= 1)).toBe(true);
    s.cancel();
  });

  it("ctx.report reaches the callback service with the call id, worker and replica; the reply comes back", async () => {
    const r = await w.client.invoke("report", { fatal: true }, { callId: "rep-1" });
    expect(r).toEqual({ delivered: true, runCancelled: true });
    expect(reports.at(-1)).toMatchObject({
      kind: "REPORT_KIND_ERROR",
      message: "disk almost full",
      fatal: true,
      callId: "rep-1",
      worker: "unit-w",
      replica: 2,
    });
  });

  it("ctx.land writes a file and returns a land reference that reads back", async () => {
    const ref = await w.client.invoke("writeLand", { path: "out/a.csv", text: "x,y\n1,2\n" });
    expect(ref).toBeInstanceOf(LandRef);
    expect(ref).toMatchObject({ path: "out/a.csv", size: 8, mediaType: "text/csv", sha256: "", xxh128: await xxhash128("x,y\n1,2\n") });
    expect(await readFile(join(w.land, "out/a.csv"), "utf8")).toBe("x,y\n1,2\n");
    await expect(w.client.invoke("readLand", ref)).resolves.toBe("x,y\n1,2\n");
  });

  it("ctx.land refuses paths that leave the land: INVALID_ARGUMENT with LandPathError", async () => {
    await writeFile(join(w.dir, "secret.txt"), "outside");
    await symlink(w.dir, join(w.land, "escape"));
    for (const path of ["../secret.txt", "/etc/passwd", "escape/secret.txt", "a/../../secret.txt"]) {
      const e = (await w.client.invoke("readLand", { path }).catch((x: unknown) => x)) as RemoteCallError;
      expect(e, path).toBeInstanceOf(RemoteCallError);
      expect(e.code, path).toBe("INVALID_ARGUMENT");
      expect(e.remoteType, path).toBe("LandPathError");
    }
    // a land reference naming an absolute path is refused before the method runs
    const bad = (await w.client.invoke("readLand", new LandRef("/etc/passwd", 1, "0".repeat(64), "text/plain")).catch((x: unknown) => x)) as RemoteCallError;
    expect(bad.code).toBe("INVALID_ARGUMENT");
  });

  it("without a land, ctx.land fails the call with LandUnavailableError", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qbw-noland-"));
    const bare = await serveWorker(
      { readLand: methods.readLand },
      { ownsProcess: false, announce: false, listen: `unix:${join(dir, "w.sock")}`, env: {}, log: () => undefined },
    );
    const c = new WorkerClient(bare.address);
    try {
      const e = (await c.invoke("readLand", { path: "x" }).catch((x: unknown) => x)) as RemoteCallError;
      expect(e.remoteType).toBe("LandUnavailableError");
      expect(e.message).toMatch(/QB_LAND/);
    } finally {
      c.close();
      await bare.shutdown();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("shutdown answers in-flight calls with UNAVAILABLE (retryable), fires their abort signals, and refuses new calls", async () => {
    const x = await serveForTest({ hold: methods.hold });
    const s = x.client.session();
    const reasons: unknown[] = [];
    const inv = x.client.invoke("hold", null).catch((e: unknown) => e);
    const ses = s.start("hold", null).result.catch((e: unknown) => e);
    await until(() => x.server.inFlight() === 2);
    const closing = x.server.shutdown();
    const [a, b] = (await Promise.all([inv, ses])) as RemoteCallError[];
    for (const e of [a, b]) {
      expect(e).toBeInstanceOf(RemoteCallError);
      expect(e!.code).toBe("UNAVAILABLE");
      expect(e!.retryable).toBe(true);
      reasons.push(e!.remoteType);
    }
    expect(reasons).toEqual(["UnavailableError", "UnavailableError"]);
    await closing;
    expect(x.server.inFlight()).toBe(0);
    await expect(x.client.health("", 500)).rejects.toBeTruthy();
    x.client.close();
    expect(new UnavailableError().retryable).toBe(true);
  });

  it("conformance: false leaves the qb.* methods out", async () => {
    const x = await serveForTest({ a: () => 1 }, { conformance: false });
    expect((await x.client.describe()).methods.map((m) => m.name)).toEqual(["a"]);
    await x.close();
  });

  it("refuses bad method tables and options with WorkerConfigError", async () => {
    await expect(serveWorker({ "qb.mine": () => 1 }, { ownsProcess: false, announce: false })).rejects.toBeInstanceOf(WorkerConfigError);
    await expect(serveWorker({ "two words": () => 1 }, { ownsProcess: false, announce: false })).rejects.toBeInstanceOf(WorkerConfigError);
    await expect(serveWorker({ x: 42 as unknown as () => 1 }, { ownsProcess: false, announce: false })).rejects.toBeInstanceOf(WorkerConfigError);
    await expect(serveWorker({ x: () => 1 }, { ownsProcess: false, announce: false, maxConcurrentCalls: 0 })).rejects.toBeInstanceOf(WorkerConfigError);
  });
});
