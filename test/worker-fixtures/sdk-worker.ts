/**
 * An SDK worker with methods that misbehave in the ways a real method might, for tests that
 * need a separate process (SIGTERM, unhandled rejections, port 0).
 */
import { serveWorker } from "../../src/worker/index.js";

let finallyRan = 0;

await serveWorker(
  {
    /** Throws synchronously (not even async). */
    crashSync: () => {
      throw new RangeError("sync crash");
    },
    /** Leaves a rejected promise nobody awaits, then answers. */
    leak: () => {
      void Promise.reject(new Error("nobody awaited me"));
      return "answered";
    },
    /** Waits for its abort signal, then counts that its cleanup ran. */
    wait: (_input: unknown, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.abortSignal.addEventListener("abort", () => {
          finallyRan++;
          reject(ctx.abortSignal.reason);
        });
      }),
    cleanups: () => finallyRan,
    pid: () => process.pid,
  },
  { name: "sdk-fixture", version: "1.2.3" },
);
