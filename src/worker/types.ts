/** The types a worker author meets: methods, their context, options. */
import type { Land } from "../land/land.js";
import type { PondAccess } from "./pond-client.js";
import type { AuthFiles } from "../proto/transport-auth.js";

import type { Json } from "../common/json.js";
export type { Json };

import type { Value } from "../common/values.js";
export type { Value };

export type ReportKind = "error" | "timeout" | "progress" | "log";

export interface Report {
  kind: ReportKind;
  message: string;
  /** Cancel the whole run. */
  fatal?: boolean;
  /** For progress: 0..1. */
  fraction?: number;
  details?: string;
}

export interface ReportOutcome {
  /** False when there is no QB_CALLBACK (the report went to stderr) or the call failed. */
  delivered: boolean;
  /** The quarterback says the run is being cancelled. */
  runCancelled: boolean;
}

/** The second argument of every method. */
export interface CallContext {
  readonly callId: string;
  readonly method: string;
  /** 1 for the first attempt; 0 when the caller did not say. */
  readonly attempt: number;
  /** When the call must end (epoch ms), or null. */
  readonly deadline: number | null;
  /** Fires on cancel, on the deadline, and on shutdown; its reason is a CallError. */
  readonly abortSignal: AbortSignal;
  /** The land (QB_LAND); using it without a land throws LandUnavailableError. */
  readonly land: Land;
  /** How far the call is (0..1, negative when unknown). Coalesced: at most one message per 50 ms. */
  progress(fraction: number, message?: string): void;
  /** Held methods: the next value of signal `name`, waiting for it ("awaiting") if none is queued. */
  signal<T extends Value = Value>(name: string): Promise<T>;
  /** Held methods: every value of signal `name` until the quarterback ends it. */
  signals<T extends Value = Value>(name: string): AsyncIterable<T>;
  /** Tell the quarterback something out of band (QB_CALLBACK); `fatal` cancels the run. */
  report(report: Report): Promise<ReportOutcome>;
  /** SQL on the pod's pond, served by the quarterback (QB_CALLBACK). */
  readonly pond: PondAccess;
}

// Inputs are whatever JSON the caller sends: methods annotate and check their own input type.
export type PlainMethod = (input: any, ctx: CallContext) => unknown;
export type HeldMethod = (input: any, ctx: CallContext) => AsyncIterator<unknown, unknown, undefined>;

export interface MethodSpec {
  handler: PlainMethod | HeldMethod;
  /** Held methods may yield and await signals (they need Session). Async generator functions are held without saying so. */
  held?: boolean;
  description?: string;
}

export type MethodTable = Record<string, PlainMethod | HeldMethod | MethodSpec>;

export interface WorkerOptions {
  /** Describe's name; default QB_WORKER_NAME, else "worker". */
  name?: string;
  /** Describe's version; default "0.0.0". */
  version?: string;
  /** Calls run at once; more are refused with RESOURCE_EXHAUSTED (retryable). Default 64. */
  maxConcurrentCalls?: number;
  /** Largest message accepted and sent, in bytes. Default 4 MiB. */
  maxMessageBytes?: number;
  /** Where to listen; default QB_LISTEN, else "127.0.0.1:0". */
  listen?: string;
  /** The land directory; default QB_LAND. */
  land?: string;
  /** The quarterback's callback address; default QB_CALLBACK. */
  callback?: string;
  /**
   * TLS and token files for the worker's port and its callback client; default QB_TLS_CA,
   * QB_TLS_CERT, QB_TLS_KEY and QB_TOKEN_FILE. Without TLS the worker refuses to listen on,
   * or report to, a non-loopback address (InsecureTransportError).
   */
  auth?: AuthFiles;
  /**
   * Also serve grpc.health.v1, and nothing else, without authentication here (for
   * Kubernetes gRPC probes, which send neither certificate nor token); default
   * QB_HEALTH_LISTEN, else no such port.
   */
  healthListen?: string;
  /** Serve the conformance methods qb.echo, qb.fail, qb.sleep, qb.aborted, qb.held. Default true. */
  conformance?: boolean;
  /** Serve Session. Default true. */
  session?: boolean;
  /**
   * The worker owns its process (default true): on SIGTERM or SIGINT it shuts down cleanly
   * and exits with code 0, and an unhandled promise rejection is logged instead of killing it.
   * Set false to embed a worker in a process that does its own signal handling (tests).
   */
  ownsProcess?: boolean;
  /** Print `QB_LISTENING <address>` on stdout once serving. Default true. */
  announce?: boolean;
  /** The environment to read QB_* from. Default process.env. */
  env?: Record<string, string | undefined>;
  /** Where the SDK's own log lines go. Default stderr. */
  log?: (line: string) => void;
}

export interface WorkerServer {
  /** The address clients dial (port 0 resolved). */
  readonly address: string;
  /** The health-only port's address (QB_HEALTH_LISTEN), or null. */
  readonly healthAddress: string | null;
  /** Calls whose method has not settled yet. */
  inFlight(): number;
  /** Stop: refuse new calls, cancel in-flight ones (UNAVAILABLE), close. Does not exit the process. */
  shutdown(): Promise<void>;
  /** A report about the worker as a whole. */
  report(report: Report): Promise<ReportOutcome>;
}
