/**
 * The no-op worker of the runtime benchmarks (bench/overhead, bench/startup, bench/memory):
 * `noop` answers with its input, so a call costs only the transport, the SDK and the
 * quarterback. Enough call slots for the deepest fan-out the benchmarks use.
 *
 * Run: node bench/workers/noop.js   (the .js launcher runs this file through tsx)
 */
import { serveWorker } from "../../src/worker/index.js";

await serveWorker(
  { noop: { handler: (input: unknown) => input, description: "returns its input" } },
  { name: "noop", version: "0.1.0", conformance: false, maxConcurrentCalls: 4096 },
);
