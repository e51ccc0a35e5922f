/**
 * Run inside a network namespace by the multi-host test (`node --import tsx
 * test/support/tls-probe.ts ADDRESS`, QB_PROBE_FILES holding the file paths as JSON): one
 * health check of ADDRESS (a worker or the callback service: both serve it) with each set
 * of material, printed as one JSON object of what the server answered.
 */
import { TransportError } from "../../src/client/errors.js";
import { WorkerClient } from "../../src/client/worker-client.js";
import { loadTransportAuth, type AuthFiles } from "../../src/proto/transport-auth.js";

const address = process.argv[2]!;
const sets = JSON.parse(process.env.QB_PROBE_FILES!) as Record<string, AuthFiles | null>;
const out: Record<string, string> = {};
for (const [label, files] of Object.entries(sets)) {
  const client = new WorkerClient(address, { auth: files ? loadTransportAuth(files) : undefined });
  try {
    out[label] = await client.health("", 3_000);
  } catch (err) {
    out[label] = err instanceof TransportError ? `${err.grpcCodeName}: ${err.message}` : String(err);
  } finally {
    client.close();
  }
}
process.stdout.write(JSON.stringify(out) + "\n");
