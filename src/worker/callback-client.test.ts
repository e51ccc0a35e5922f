/**
 * ctx.report and ctx.pond talk to the quarterback's callback service: they wait for it while
 * it starts (the docs promise wait-for-ready), and a call's pond queries carry its id and stop
 * when the call is cancelled.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serveForTest, sleep, until } from "../../test/worker-fixtures/in-process.js";
import { serveCallback } from "../proto/callback-server.js";
import type { PondQueryRequestMsg, ReportRequestMsg } from "../proto/messages.js";
import type { CallContext } from "./types.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function socketPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "qbw-cb-"));
  dirs.push(dir);
  return `unix:${join(dir, "quarterback.sock")}`;
}

const methods = {
  tell: (_i: unknown, ctx: CallContext) => ctx.report({ kind: "log", message: "hello" }),
  rows: (_i: unknown, ctx: CallContext) => ctx.pond.query("SELECT :n AS n", { n: 1 }),
};

describe("the callback service seen from a method", () => {
  it("a report sent before the quarterback's callback service listens waits for it and is delivered", async () => {
    const address = await socketPath();
    const reports: ReportRequestMsg[] = [];
    const w = await serveForTest(methods, { callback: address });
    const outcome = w.client.invoke("tell", null);
    await sleep(300);
    const cb = await serveCallback({ report: (r) => (reports.push(r), { runCancelled: false }) }, address);
    await expect(outcome).resolves.toEqual({ delivered: true, runCancelled: false });
    expect(reports.map((r) => r.message)).toEqual(["hello"]);
    await w.close();
    await cb.close();
  });

  it("a pond query sent before the callback service listens waits for it", async () => {
    const address = await socketPath();
    const w = await serveForTest(methods, { callback: address });
    const rows = w.client.invoke("rows", null);
    await sleep(300);
    const cb = await serveCallback(
      {
        report: () => ({ runCancelled: false }),
        pondQuery: async function* () {
          yield [{ n: 1 }];
        },
      },
      address,
    );
    await expect(rows).resolves.toEqual([{ n: 1 }]);
    await w.close();
    await cb.close();
  });

  it("a pond query carries its call's id, and cancelling the call cancels the query", async () => {
    const seen: PondQueryRequestMsg[] = [];
    let queryAborted = false;
    const cb = await serveCallback({
      report: () => ({ runCancelled: false }),
      pondQuery: (q, signal) => {
        seen.push(q);
        return (async function* () {
          // a slow query: rows only after the worker gives up
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
          queryAborted = true;
          yield [];
        })();
      },
    });
    const w = await serveForTest(methods, { callback: cb.address });
    const s = w.client.session();
    const call = s.start("rows", null, { callId: "call-42" });
    await until(() => seen.length === 1);
    expect(seen[0]!.callId).toBe("call-42");
    call.cancel();
    await expect(call.result).rejects.toMatchObject({ code: "CANCELLED" });
    await until(() => queryAborted, 2_000, "the pond query to be cancelled");
    await until(() => w.server.inFlight() === 0, 2_000, "the method to end");
    s.end();
    await w.close();
    await cb.close();
  });
});
