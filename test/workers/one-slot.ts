/**
 * A worker with one call slot whose method does not heed its abort signal: on its first
 * attempt it keeps the slot for `ms` after the quarterback gave up on it (a deadline), so
 * a retry meanwhile is refused for want of a slot. Later attempts answer at once. `exhausted`
 * fails with its own RESOURCE_EXHAUSTED.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { CallError, serveWorker, type CallContext } from "quarterback/worker";

await serveWorker(
  {
    lingers: async (input: { ms: number; v: unknown }, ctx: CallContext) => {
      // deliberately not watching ctx.abortSignal: the slot stays taken
      if (ctx.attempt === 1) await new Promise((r) => setTimeout(r, input.ms));
      return { v: input.v, attempt: ctx.attempt };
    },
    // its own RESOURCE_EXHAUSTED (it ran, and failed): counted like any failure
    exhausted: async () => {
      appendFileSync(join(process.env.QB_LAND ?? ".", "exhausted.log"), "ran\n");
      throw new CallError("RESOURCE_EXHAUSTED", "out of device memory", { retryable: true });
    },
  },
  { name: "one-slot", version: "1.0.0", maxConcurrentCalls: 1 },
);
