/** The SDK side of bench/call-overhead: one no-op method, enough call slots for 1,024 in flight. */
import { serveWorker } from "../../src/worker/index.js";

await serveWorker({ noop: (input: unknown) => input }, { name: "bench", conformance: false, maxConcurrentCalls: 4096 });
