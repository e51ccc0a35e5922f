/**
 * The no-op worker of the runtime benchmarks (bench/overhead, bench/startup, bench/memory):
 * `noop` answers with its input, so a call costs only the transport, the SDK and the
 * quarterback. Enough call slots for the deepest fan-out the benchmarks use.
 *
 * A benchmark killed outright (SIGKILL: nothing of it runs to clean up) must not leave
 * this worker behind, so it exits when the process that started it is gone.
 *
 * Run: node bench/workers/noop.js   (the .js launcher runs this file through tsx)
 */
import { serveWorker } from "quarterback/worker";

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
}, 500).unref();

await serveWorker(
  { noop: { handler: (input: unknown) => input, description: "returns its input" } },
  { name: "noop", version: "0.1.0", conformance: false, maxConcurrentCalls: 4096 },
);
