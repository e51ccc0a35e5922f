/**
 * `qb worker test` on a worker that died: the invoke.cancel check starts a call and waits
 * before cancelling it. A call that failed during that wait was a promise nobody handled yet,
 * and Node ended `qb worker test` itself with an unhandled rejection, printing no report.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TransportError } from "../client/errors.js";
import type { WorkerClient } from "../client/worker-client.js";
import type { ConformanceTarget } from "./check.js";
import { invokeCancelCheck } from "./invoke-checks.js";

const seen: unknown[] = [];
const onUnhandled = (reason: unknown) => seen.push(reason);
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

describe("invoke.cancel against a worker that is gone", () => {
  it("fails the check and leaves no unhandled rejection", async () => {
    process.on("unhandledRejection", onUnhandled);
    const gone = () => Promise.reject(new TransportError("qb.sleep: No connection established", { grpcCode: 14 }));
    const target = {
      client: { invoke: gone } as unknown as WorkerClient,
      address: "unix:/nonexistent.sock",
      proc: { exit: { code: 1, signal: null } },
      describe: null,
      maxMessageBytes: 4 * 1024 * 1024,
      has: async () => true,
      speaksSession: false,
    } as unknown as ConformanceTarget;
    await expect(invokeCancelCheck.run(target)).rejects.toThrow(/cancelled call ended with gRPC UNAVAILABLE/);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
  });
});
