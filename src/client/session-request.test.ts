/** The lean Session call record: its progress and timing callbacks, and nothing without them. */
import { describe, expect, it } from "vitest";
import type { SessionOutMsg } from "../proto/messages.js";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { SessionRequest, type DispatchOptions, type RequestOutcome } from "./session-request.js";

const progress = (fraction: number, message: string): SessionOutMsg => ({ callId: "c1", progress: { fraction, message }, msg: "progress" });
const result = (json: string, workerMs = 0): SessionOutMsg => ({ callId: "c1", result: { json, kind: "json" }, workerMs, msg: "result" });

describe("SessionRequest", () => {
  it("passes each progress message to its callback, fraction and message as sent", async () => {
    const seen: Array<[number, string]> = [];
    const r = new SessionRequest("c1", "m", null, { attempt: 1, timeoutMs: 0, progress: (f, m) => seen.push([f, m]) }, undefined);
    r.receive(progress(0.25, "a quarter"));
    r.receive(progress(-1, "unknown"));
    r.receive({ callId: "c1", progress: null, msg: "progress" });
    expect(seen).toEqual([
      [0.25, "a quarter"],
      [-1, "unknown"],
      // a Progress without a body: unknown, no message
      [-1, ""],
    ]);
    expect(r.ended).toBe(false);
    r.receive(result("7"));
    await expect(r.result).resolves.toBe(7);
  });

  it("drops progress without a callback, and still settles", async () => {
    const r = new SessionRequest("c1", "m", null, { attempt: 1, timeoutMs: 0 }, undefined);
    r.receive(progress(0.5, "half"));
    r.receive(result('"ok"'));
    await expect(r.result).resolves.toBe("ok");
  });

  it("tells the worker's time before the result resolves; 0 (not measured) is not told", async () => {
    const order: string[] = [];
    const times: number[] = [];
    const r = new SessionRequest(
      "c1",
      "m",
      null,
      {
        attempt: 1,
        timeoutMs: 0,
        ran: (ms) => {
          times.push(ms);
          order.push("ran");
        },
      },
      undefined,
    );
    void r.result.then(() => order.push("resolved"));
    r.receive(result("1", 12.5));
    await r.result;
    expect(times).toEqual([12.5]);
    expect(order).toEqual(["ran", "resolved"]);
    const quiet = new SessionRequest("c2", "m", null, { attempt: 1, timeoutMs: 0, ran: (ms) => times.push(ms) }, undefined);
    quiet.receive({ ...result("1"), callId: "c2" });
    await quiet.result;
    expect(times).toEqual([12.5]);
  });

  it("settles through its outcome: the value as succeeded makes it, a failure as failed makes it", async () => {
    const outcome = {
      succeeded: (v: unknown) => `ok ${String(v)}`,
      failed: (err: unknown) => Promise.resolve(`failed: ${(err as Error).message}`),
    };
    const ok = new SessionRequest("c1", "m", null, { attempt: 1, timeoutMs: 0 }, outcome);
    ok.receive(result("3"));
    await expect(ok.result).resolves.toBe("ok 3");
    const remote = new SessionRequest("c1", "m", null, { attempt: 1, timeoutMs: 0 }, outcome);
    remote.receive({ callId: "c1", error: { code: "ERROR_CODE_FAILED", message: "boom", type: "", retryable: false, details: "" }, msg: "error" });
    await expect(remote.result).resolves.toMatch(/^failed: .*boom/);
    const broken = new SessionRequest("c1", "m", null, { attempt: 1, timeoutMs: 0 }, outcome);
    broken.fail(new Error("stream gone"));
    await expect(broken.result).resolves.toBe("failed: stream gone");
    // a value that does not decode is a failure of the call; a throwing `succeeded` is not passed to `failed`
    const garbled = new SessionRequest("c1", "m", null, { attempt: 1, timeoutMs: 0 }, outcome);
    garbled.receive(result("{not json"));
    await expect(garbled.result).resolves.toMatch(/^failed: /);
    const throwing = new SessionRequest(
      "c1",
      "m",
      null,
      { attempt: 1, timeoutMs: 0 },
      {
        succeeded: () => {
          throw new Error("succeeded threw");
        },
        failed: outcome.failed,
      },
    );
    throwing.receive(result("1"));
    await expect(throwing.result).rejects.toThrow("succeeded threw");
  });

  describe("once settled, holds nothing of its caller's", () => {
    /** A full collection (V8's gc from a context of its own, as `--expose-gc` would give it). */
    const fullGc = (): void => {
      setFlagsFromString("--expose-gc");
      const gc = runInNewContext("gc") as () => void;
      setFlagsFromString("--no-expose-gc");
      gc();
    };

    /** Starts a request, ends it with `end`, and tells whether its options, outcome and input could be collected while it was still held. */
    async function collectedWhileHeld(end: (r: SessionRequest<unknown>) => void): Promise<boolean[]> {
      const held: { request?: SessionRequest<unknown> } = {};
      const refs = ((): Array<WeakRef<object>> => {
        const options: DispatchOptions = { attempt: 1, timeoutMs: 0, progress: () => undefined };
        const outcome: RequestOutcome<unknown> = { succeeded: (v) => [v], failed: (e) => Promise.reject(e) };
        const input = { big: "x".repeat(100) };
        held.request = new SessionRequest("c1", "m", input, options, outcome);
        return [new WeakRef(options), new WeakRef(outcome), new WeakRef(input)];
      })();
      end(held.request!);
      await held.request!.result.catch(() => undefined);
      // WeakRefs are kept alive until the end of the job that made or read them
      await new Promise((r) => setTimeout(r, 0));
      fullGc();
      await new Promise((r) => setTimeout(r, 0));
      expect(held.request!.ended).toBe(true);
      return refs.map((r) => r.deref() === undefined);
    }

    it("after a result", async () => {
      expect(await collectedWhileHeld((r) => r.receive(result("1")))).toEqual([true, true, true]);
    });

    it("after the worker's error", async () => {
      const error: SessionOutMsg = { callId: "c1", error: { code: "ERROR_CODE_FAILED", message: "no", type: "", retryable: false, details: "" }, msg: "error" };
      expect(await collectedWhileHeld((r) => r.receive(error))).toEqual([true, true, true]);
    });

    it("after a failure of the stream", async () => {
      expect(await collectedWhileHeld((r) => r.fail(new Error("the stream broke")))).toEqual([true, true, true]);
    });

    it("and a progress report after the end is dropped", async () => {
      const seen: number[] = [];
      const r = new SessionRequest("c1", "m", null, { attempt: 1, timeoutMs: 0, progress: (f) => seen.push(f) }, undefined);
      r.receive(result("1"));
      r.receive(progress(0.5, "late"));
      await expect(r.result).resolves.toBe(1);
      expect(seen).toEqual([]);
    });
  });
});
