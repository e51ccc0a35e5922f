/**
 * The environment a worker is started with (docs/worker-protocol.md, "Environment"):
 * QB_LISTEN, QB_LAND, QB_CALLBACK, QB_WORKER_NAME, QB_REPLICA, and for authentication
 * QB_TLS_CA, QB_TLS_CERT, QB_TLS_KEY, QB_TOKEN_FILE, QB_HEALTH_LISTEN.
 */
import { authFilesFromEnv, type AuthFiles } from "../proto/transport-auth.js";

export interface WorkerEnvironment {
  /** Address to listen on: `unix:/path.sock` or `host:port` (port 0: any free port). */
  listen: string;
  /** The land directory, or null when the worker has no land. */
  land: string | null;
  /** The quarterback's callback address, or null. */
  callback: string | null;
  /** The worker's name in the flow, or null. */
  workerName: string | null;
  /** Which replica this is (0-based). */
  replica: number;
  /** TLS and token files, for the worker's own port and its callback client. */
  auth: AuthFiles;
  /** A second, health-only port without authentication (for Kubernetes probes), or null. */
  healthListen: string | null;
}

export const DEFAULT_LISTEN = "127.0.0.1:0";

export function readWorkerEnvironment(env: Record<string, string | undefined>): WorkerEnvironment {
  const replica = Number(env.QB_REPLICA ?? "0");
  return {
    listen: nonEmpty(env.QB_LISTEN) ?? DEFAULT_LISTEN,
    land: nonEmpty(env.QB_LAND),
    callback: nonEmpty(env.QB_CALLBACK),
    workerName: nonEmpty(env.QB_WORKER_NAME),
    replica: Number.isInteger(replica) && replica >= 0 ? replica : 0,
    auth: authFilesFromEnv(env),
    healthListen: nonEmpty(env.QB_HEALTH_LISTEN),
  };
}

function nonEmpty(s: string | undefined): string | null {
  return s === undefined || s.trim() === "" ? null : s.trim();
}
