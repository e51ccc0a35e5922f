/**
 * Clean shutdown: stop taking calls (health NOT_SERVING, new calls UNAVAILABLE), end every
 * in-flight call with UNAVAILABLE (retryable: another replica can run it) and fire its abort
 * signal, give methods a moment to unwind, end the sessions, close the server.
 */
import type * as grpc from "@grpc/grpc-js";
import type { HealthService } from "../proto/health-service.js";
import { rm } from "node:fs/promises";
import { UnavailableError } from "./errors.js";
import type { WorkerCore } from "./worker-core.js";

const UNWIND_MS = 1_000;
const CLOSE_MS = 2_000;

export interface ShutdownParts {
  core: WorkerCore;
  server: grpc.Server;
  health: HealthService;
  sessions: Set<() => void>;
  address: string;
  log: (line: string) => void;
}

export async function shutdownWorker({ core, server, health, sessions, address, log }: ShutdownParts): Promise<void> {
  core.shuttingDown = true;
  health.shutdown();
  const live = [...core.live];
  for (const call of live) call.abort(new UnavailableError());
  await waitUntil(() => core.live.size === 0, UNWIND_MS);
  if (core.live.size > 0) log(`shutdown: ${core.live.size} method(s) still running after their abort signal; closing anyway`);
  for (const end of [...sessions]) end();
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, CLOSE_MS);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
  core.reporter.close();
  if (address.startsWith("unix:")) await rm(address.slice("unix:".length), { force: true }).catch(() => undefined);
}

async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}
