/** Cancel, deadline and a broken stream reach the method's abort signal (counted, with its reason). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, until, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import { RemoteCallError, TransportError } from "../client/errors.js";
import { CancelledError, DeadlineExceededError } from "./errors.js";
import type { CallContext } from "./types.js";

interface Seen {
  started: number;
  aborts: Array<{ reason: unknown; at: number }>;
}

const seen = new Map<string, Seen>();

/** Waits for its abort signal, noting when and why it fired. */
function waitForAbort(input: { key: string }, ctx: CallContext): Promise<never> {
  const s: Seen = { started: Date.now(), aborts: [] };
  seen.set(input.key, s);
  return new Promise((_resolve, reject) => {
    ctx.abortSignal.addEventListener("abort", () => {
      s.aborts.push({ reason: ctx.abortSignal.reason, at: Date.now() });
      reject(ctx.abortSignal.reason);
    });
  });
}

/** CPU work in slices that checks for cancel in between, as a numeric method should. */
async function slices(input: { key: string }, ctx: CallContext): Promise<number> {
  const s: Seen = { started: Date.now(), aborts: [] };
  seen.set(input.key, s);
  let n = 0;
  try {
    for (;;) {
      const until = Date.now() + 5;
      while (Date.now() < until) n++;
      await new Promise((r) => setImmediate(r));
      ctx.abortSignal.throwIfAborted();
    }
  } catch (e) {
    s.aborts.push({ reason: e, at: Date.now() });
    throw e;
  }
}

let w: TestWorker;
beforeAll(async () => {
  w = await serveForTest({ waitForAbort, slices });
});
afterAll(() => w.close());

describe("cancel reaches the method's abort signal", () => {
  it("over Invoke: cancelling the gRPC call fires the signal once, with a CancelledError, within 100 ms", async () => {
    const ac = new AbortController();
    const call = w.client.invoke("waitForAbort", { key: "inv-cancel" }, { signal: ac.signal });
    await until(() => seen.has("inv-cancel"));
    const s = seen.get("inv-cancel")!;
    expect(s.aborts).toHaveLength(0);
    const t0 = Date.now();
    ac.abort();
    await expect(call).rejects.toBeInstanceOf(TransportError);
    await until(() => s.aborts.length > 0, 100, "the abort signal");
    expect(s.aborts).toHaveLength(1);
    expect(s.aborts[0]!.reason).toBeInstanceOf(CancelledError);
    expect(s.aborts[0]!.at - t0).toBeLessThanOrEqual(100);
    expect(w.server.inFlight()).toBe(0);
  });

  it("over Session: cancel answers CANCELLED (not retryable) and fires the signal once", async () => {
    const session = w.client.session();
    const call = session.start("waitForAbort", { key: "ses-cancel" });
    await until(() => seen.has("ses-cancel"));
    const t0 = Date.now();
    call.cancel("test");
    const err = (await call.result.catch((e: unknown) => e)) as RemoteCallError;
    expect(err).toBeInstanceOf(RemoteCallError);
    expect(err.code).toBe("CANCELLED");
    expect(err.retryable).toBe(false);
    expect(Date.now() - t0).toBeLessThanOrEqual(100);
    const s = seen.get("ses-cancel")!;
    expect(s.aborts).toHaveLength(1);
    expect(s.aborts[0]!.reason).toBeInstanceOf(CancelledError);
    // a second cancel of the same (ended) call changes nothing
    call.cancel();
    await new Promise((r) => setTimeout(r, 20));
    expect(s.aborts).toHaveLength(1);
    session.cancel();
  });

  it("a method doing CPU work in slices stops at the next slice", async () => {
    const session = w.client.session();
    const call = session.start("slices", { key: "slices" });
    await until(() => seen.has("slices"));
    await new Promise((r) => setTimeout(r, 30));
    call.cancel();
    await expect(call.result).rejects.toMatchObject({ code: "CANCELLED" });
    await until(() => seen.get("slices")!.aborts.length > 0, 100, "the method to stop");
    expect(seen.get("slices")!.aborts[0]!.reason).toBeInstanceOf(CancelledError);
    session.cancel();
  });

  it("over Session: timeout_ms ends the call with DEADLINE_EXCEEDED (retryable) and aborts with DeadlineExceededError", async () => {
    const session = w.client.session();
    const t0 = Date.now();
    const err = (await session.start("waitForAbort", { key: "ses-deadline" }, { timeoutMs: 120 }).result.catch((e: unknown) => e)) as RemoteCallError;
    const took = Date.now() - t0;
    expect(err.code).toBe("DEADLINE_EXCEEDED");
    expect(err.retryable).toBe(true);
    expect(took).toBeGreaterThanOrEqual(115);
    expect(took).toBeLessThan(220);
    expect(seen.get("ses-deadline")!.aborts.map((a) => a.reason instanceof DeadlineExceededError)).toEqual([true]);
    session.cancel();
  });

  it("over Invoke: the gRPC deadline aborts the method with DeadlineExceededError", async () => {
    const err = await w.client.invoke("waitForAbort", { key: "inv-deadline" }, { timeoutMs: 120 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    await until(() => (seen.get("inv-deadline")?.aborts.length ?? 0) > 0, 100, "the abort signal");
    expect(seen.get("inv-deadline")!.aborts[0]!.reason).toBeInstanceOf(DeadlineExceededError);
  });

  it("a Session stream that breaks aborts every call on it", async () => {
    const session = w.client.session();
    session.start("waitForAbort", { key: "broken-1" });
    session.start("waitForAbort", { key: "broken-2" });
    await until(() => seen.has("broken-1") && seen.has("broken-2"));
    session.cancel();
    await until(() => seen.get("broken-1")!.aborts.length === 1 && seen.get("broken-2")!.aborts.length === 1, 500, "both aborts");
    await until(() => w.server.inFlight() === 0, 500, "no calls in flight");
  });

  it("other calls on the same stream are not disturbed by a cancel", async () => {
    const session = w.client.session();
    const doomed = session.start("waitForAbort", { key: "doomed" });
    const fine = session.start("qb.sleep", { ms: 50 });
    await until(() => seen.has("doomed"));
    doomed.cancel();
    await expect(doomed.result).rejects.toMatchObject({ code: "CANCELLED" });
    await expect(fine.result).resolves.toEqual({ slept: 50 });
    session.cancel();
  });

  it("over Session, request(): aborting the signal cancels only the calls started with it", async () => {
    const session = w.client.session();
    const ac = new AbortController();
    const doomed = [
      session.request("waitForAbort", { key: "req-1" }, { signal: ac.signal }),
      session.request("waitForAbort", { key: "req-2" }, { signal: ac.signal }),
    ];
    const other = new AbortController();
    const fine = session.request("qb.sleep", { ms: 50 }, { signal: other.signal });
    await until(() => seen.has("req-1") && seen.has("req-2"));
    ac.abort(new Error("stage failed"));
    for (const d of doomed) await expect(d).rejects.toMatchObject({ code: "CANCELLED", retryable: false });
    await expect(fine).resolves.toEqual({ slept: 50 });
    expect(seen.get("req-1")!.aborts.map((a) => a.reason instanceof CancelledError)).toEqual([true]);
    // a signal aborted before the call starts cancels it at once
    await expect(session.request("waitForAbort", { key: "req-3" }, { signal: ac.signal })).rejects.toMatchObject({ code: "CANCELLED" });
    expect(session.live).toBe(0);
    session.cancel();
  });
});
