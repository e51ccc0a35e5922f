/** Serve a worker inside the test process, on a unix socket in a temporary folder, with a land. */
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WorkerClient } from "../../src/client/index.js";
import { serveWorker } from "../../src/worker/serve-worker.js";
import type { MethodTable, WorkerOptions, WorkerServer } from "../../src/worker/types.js";

export interface TestWorker {
  server: WorkerServer;
  client: WorkerClient;
  land: string;
  dir: string;
  close(): Promise<void>;
}

export async function serveForTest(methods: MethodTable, options: WorkerOptions = {}): Promise<TestWorker> {
  const dir = await mkdtemp(join(tmpdir(), "qbw-unit-"));
  const land = join(dir, "land");
  await mkdir(land);
  const server = await serveWorker(methods, {
    ownsProcess: false,
    announce: false,
    listen: `unix:${join(dir, "w.sock")}`,
    land,
    env: {},
    log: () => undefined,
    ...options,
  });
  const client = new WorkerClient(server.address);
  return {
    server,
    client,
    land,
    dir,
    async close() {
      client.close();
      await server.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `cond` holds, polling; throws after `ms`. */
export async function until(cond: () => boolean, ms = 2_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}
