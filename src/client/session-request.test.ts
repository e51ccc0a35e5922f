/** The lean Session call record: its progress and timing callbacks, and nothing without them. */
import { describe, expect, it } from "vitest";
import type { SessionOutMsg } from "../proto/messages.js";
import { SessionRequest } from "./session-request.js";

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
});
