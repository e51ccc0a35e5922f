/** The shape of one conformance check and the helpers checks share. */
import type { DescribeResponseMsg } from "../proto/messages.js";
import { RemoteCallError, TransportError } from "../client/errors.js";
import type { WorkerClient } from "../client/worker-client.js";
import type { WorkerProcess } from "../process/worker-process.js";

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  ms: number;
}

export interface Outcome {
  status: CheckStatus;
  detail: string;
}

export interface ConformanceTarget {
  client: WorkerClient;
  address: string;
  proc: WorkerProcess;
  /** Null when the worker does not serve Describe. */
  describe: DescribeResponseMsg | null;
  /** The worker's message limit (Describe's, else gRPC's default 4 MiB). */
  maxMessageBytes: number;
  /** Whether the worker serves a method (from Describe, or by asking over Invoke). */
  has(method: string): Promise<boolean>;
  speaksSession: boolean;
}

export interface Check {
  name: string;
  /** What the check shows, for --list and docs. */
  about: string;
  run(t: ConformanceTarget): Promise<Outcome>;
}

/** Thrown by a check to fail with a message. */
export class CheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailed";
  }
}

export const pass = (detail: string): Outcome => ({ status: "pass", detail });
export const skip = (detail: string): Outcome => ({ status: "skip", detail });

export function expect(cond: unknown, message: string): asserts cond {
  if (!cond) throw new CheckFailed(message);
}

/** Skips unless the worker serves every method named. */
export async function needs(t: ConformanceTarget, ...methods: string[]): Promise<Outcome | null> {
  const missing: string[] = [];
  for (const m of methods) if (!(await t.has(m))) missing.push(m);
  return missing.length ? skip(`the worker does not serve ${missing.join(", ")} (conformance method${missing.length > 1 ? "s" : ""})`) : null;
}

/** A check that runs only on a worker serving `methods` (skipped otherwise). */
export function checkNeeding(name: string, about: string, methods: string[], body: (t: ConformanceTarget) => Promise<Outcome>): Check {
  return {
    name,
    about,
    async run(t) {
      return (await needs(t, ...methods)) ?? (await body(t));
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `p`'s value, or `fallback` after `ms`; the timer does not outlive the race. */
export async function within<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function uniqueTag(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Polls qb.aborted until the qb.sleep call tagged `tag` saw its abort, or `byMs` (epoch ms)
 * passes. Returns when it was first seen (ms since `since`), or null.
 */
export async function abortSeen(t: ConformanceTarget, tag: string, since: number, byMs: number): Promise<{ afterMs: number; reason: string } | null> {
  for (;;) {
    const r = (await t.client.invoke("qb.aborted", { tag }, { timeoutMs: 2_000 })) as { aborted?: unknown; reason?: unknown } | null;
    if (r && r.aborted === true) return { afterMs: Date.now() - since, reason: String(r.reason) };
    if (Date.now() >= byMs) return null;
    await sleep(3);
  }
}

/** The worker still answers: health SERVING and (if served) qb.echo. */
export async function stillServes(t: ConformanceTarget): Promise<void> {
  const status = await t.client.health("", 2_000).catch((e: Error) => `unreachable (${e.message})`);
  expect(status === "SERVING", `after that, health is ${status}, not SERVING`);
  if (await t.has("qb.echo")) {
    const v = await t.client.invoke("qb.echo", { alive: 1 }, { timeoutMs: 2_000 });
    expect(JSON.stringify(v) === '{"alive":1}', `after that, qb.echo answered ${JSON.stringify(v)}`);
  }
  expect(t.proc.exit === null, `the worker process exited (${JSON.stringify(t.proc.exit)})`);
}

export function describeError(e: unknown): string {
  if (e instanceof RemoteCallError) return `${e.code}: ${e.message}`;
  if (e instanceof TransportError) return `gRPC ${e.grpcCodeName}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
