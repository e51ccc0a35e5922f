/**
 * `qb worker test`: start a worker command and check it against the contract. The worker
 * runs in its own process group on a unix socket in a fresh temporary folder (with a land
 * and a callback server of its own); whatever happens, the group is gone when this returns.
 */
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status as grpcStatus } from "@grpc/grpc-js";
import { serveCallback, type CallbackServer } from "../proto/callback-server.js";
import type { DescribeResponseMsg, ReportRequestMsg } from "../proto/messages.js";
import { RemoteCallError, TransportError } from "../client/errors.js";
import { WorkerClient } from "../client/worker-client.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../common/limits.js";
import { describeCheck, healthCheck, unknownMethodCheck } from "./basic-checks.js";
import { type Check, type CheckResult, type ConformanceTarget, type Outcome } from "./check.js";
import {
  invokeCancelCheck,
  invokeConcurrencyCheck,
  invokeDeadlineCheck,
  invokeEchoCheck,
  invokeErrorCheck,
  invokeMalformedCheck,
  invokeOversizedCheck,
} from "./invoke-checks.js";
import {
  sessionBatchesCheck,
  sessionCancelCheck,
  sessionConcurrencyCheck,
  sessionDeadlineCheck,
  sessionEchoCheck,
  sessionErrorCheck,
  sessionHeldCheck,
  sessionMalformedCheck,
  sessionOversizedCheck,
  sessionUnknownMethodCheck,
} from "./session-checks.js";
import { shutdownCheck } from "./shutdown-check.js";
import { WorkerProcess } from "../process/worker-process.js";

/** Every check after `start`, in the order they run. */
export const CHECKS: readonly Check[] = [
  healthCheck,
  describeCheck,
  unknownMethodCheck,
  invokeEchoCheck,
  invokeErrorCheck,
  invokeCancelCheck,
  invokeDeadlineCheck,
  invokeConcurrencyCheck,
  invokeMalformedCheck,
  invokeOversizedCheck,
  sessionUnknownMethodCheck,
  sessionEchoCheck,
  sessionErrorCheck,
  sessionCancelCheck,
  sessionDeadlineCheck,
  sessionConcurrencyCheck,
  sessionHeldCheck,
  sessionMalformedCheck,
  sessionOversizedCheck,
  sessionBatchesCheck,
  shutdownCheck,
];

export interface ConformanceOptions {
  /** The worker command, run by /bin/sh. */
  command: string;
  cwd?: string;
  /** Extra environment for the worker. */
  env?: Record<string, string>;
  /** QB_WORKER_NAME; default "worker". */
  workerName?: string;
  /** How long the worker may take to serve (default 20 s). */
  startTimeoutMs?: number;
  /** Longest any one check may take (default 30 s). */
  checkTimeoutMs?: number;
  /** Each result as soon as it is known. */
  onResult?(result: CheckResult): void;
  /** Every line the worker writes. */
  onLine?(stream: "stdout" | "stderr", line: string): void;
  /** Called once the worker is started, with its process (for cleanup on interrupt). */
  onStarted?(proc: WorkerProcess): void;
}

export interface ConformanceReport {
  command: string;
  /** The worker's process (group) id. */
  pid: number | null;
  address: string | null;
  results: CheckResult[];
  passed: number;
  failed: number;
  skipped: number;
  ok: boolean;
  /** Reports the worker sent to the callback service during the checks. */
  reports: ReportRequestMsg[];
  /** The worker's last output lines (when something failed). */
  tail: string[];
}

export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const results: CheckResult[] = [];
  const record = (name: string, o: Outcome, ms: number) => {
    const r = { name, ...o, ms };
    results.push(r);
    options.onResult?.(r);
  };
  const reports: ReportRequestMsg[] = [];
  const dir = await mkdtemp(join(tmpdir(), "qbwt-"));
  let callback: CallbackServer | undefined;
  let proc: WorkerProcess | undefined;
  let client: WorkerClient | undefined;
  let address: string | null = null;
  try {
    await mkdir(join(dir, "land"));
    callback = await serveCallback({ report: (r) => (reports.push(r), { runCancelled: false }) }, `unix:${join(dir, "callback.sock")}`);
    const listen = `unix:${join(dir, "worker.sock")}`;
    const started = Date.now();
    proc = new WorkerProcess({
      command: options.command,
      cwd: options.cwd,
      env: {
        ...process.env,
        // checked on a private unix socket, without the TLS or token settings of the caller's shell
        QB_TLS_CA: "",
        QB_TLS_CERT: "",
        QB_TLS_KEY: "",
        QB_TOKEN_FILE: "",
        QB_HEALTH_LISTEN: "",
        ...options.env,
        QB_LISTEN: listen,
        QB_LAND: join(dir, "land"),
        QB_CALLBACK: callback.address,
        QB_WORKER_NAME: options.workerName ?? "worker",
        QB_REPLICA: "0",
      },
      onLine: options.onLine,
    });
    options.onStarted?.(proc);
    const announced = await proc.waitForAnnouncement(options.startTimeoutMs ?? 20_000);
    if (announced === null) {
      const why = proc.exit
        ? `it exited (${proc.exit.signal ? `signal ${proc.exit.signal}` : `code ${proc.exit.code}`})`
        : `it did not print "QB_LISTENING <address>" within ${options.startTimeoutMs ?? 20_000} ms`;
      record("start", { status: "fail", detail: `the worker did not start serving: ${why}` }, Date.now() - started);
      for (const c of CHECKS) record(c.name, { status: "skip", detail: "the worker did not start" }, 0);
      return finish();
    }
    address = announced;
    record(
      "start",
      { status: "pass", detail: `pid ${proc.pid}${proc.direct ? "" : " (a shell)"}, announced ${announced} after ${Date.now() - started} ms` },
      Date.now() - started,
    );

    client = new WorkerClient(address);
    let describe: DescribeResponseMsg | null = null;
    let describeFailure: string | null = null;
    try {
      describe = await client.describe(5_000);
    } catch (e) {
      if (!(e instanceof TransportError && e.grpcCode === grpcStatus.UNIMPLEMENTED)) describeFailure = (e as Error).message;
    }
    const known = new Map<string, boolean>();
    const c = client;
    const target: ConformanceTarget = {
      client: c,
      address,
      proc,
      describe,
      maxMessageBytes: describe?.maxMessageBytes || DEFAULT_MAX_MESSAGE_BYTES,
      speaksSession: describe?.session === true,
      async has(method) {
        if (describe) return describe.methods.some((m) => m.name === method);
        let v = known.get(method);
        if (v === undefined) {
          try {
            await c.invoke(method, null, { timeoutMs: 5_000 });
            v = true;
          } catch (e) {
            v = !(e instanceof RemoteCallError && e.code === "UNKNOWN_METHOD");
          }
          known.set(method, v);
        }
        return v;
      },
    };
    let lastFailed = false;
    for (const check of CHECKS) {
      // a worker that died on the last check (exit-on-fail) may not have been reaped yet:
      // give its exit a moment, so the next check says so instead of failing on a dead socket
      if (lastFailed && proc.exit === null) await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 300))]);
      const t0 = Date.now();
      if (check === describeCheck && describeFailure !== null) {
        record(check.name, { status: "fail", detail: `Describe failed: ${describeFailure}` }, Date.now() - t0);
        continue;
      }
      if (proc.exit !== null && check !== shutdownCheck) {
        record(check.name, { status: "fail", detail: `the worker is no longer running (it exited: ${JSON.stringify(proc.exit)})` }, 0);
        continue;
      }
      const outcome = await runOne(check, target, options.checkTimeoutMs ?? 30_000);
      lastFailed = outcome.status === "fail";
      record(check.name, outcome, Date.now() - t0);
    }
    return finish();
  } finally {
    client?.close();
    if (proc) {
      const { killed } = await proc.stop(2_000);
      if (killed) options.onLine?.("stderr", "(qb worker test: the worker ignored SIGTERM; it was killed)");
    }
    await callback?.close();
    await rm(dir, { recursive: true, force: true });
  }

  function finish(): ConformanceReport {
    const failed = results.filter((r) => r.status === "fail").length;
    return {
      command: options.command,
      pid: proc?.pid ?? null,
      address,
      results,
      passed: results.filter((r) => r.status === "pass").length,
      failed,
      skipped: results.filter((r) => r.status === "skip").length,
      ok: failed === 0,
      reports,
      tail: failed ? [...(proc?.tail ?? [])] : [],
    };
  }
}

async function runOne(check: Check, target: ConformanceTarget, timeoutMs: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check.run(target),
      new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => resolve({ status: "fail", detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
      }),
    ]);
  } catch (e) {
    return { status: "fail", detail: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}
