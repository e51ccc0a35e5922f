/** A worker's fatal report on the callback service, as the error the run fails with. */
import type { ReportRequestMsg } from "../proto/messages.js";

/**
 * Who sent a report: the worker and its replica (QB_WORKER_NAME, QB_REPLICA; replica 0 is
 * a replica like any other, not a missing one), and the call it is about, if any.
 */
export function reportSender(r: Pick<ReportRequestMsg, "worker" | "replica" | "callId">): string {
  const who = r.worker ? `worker \`${r.worker}\` replica ${r.replica}` : "a worker";
  return r.callId ? `${who} (call ${r.callId})` : who;
}

/** A worker reported a fatal problem: the run is cancelled. */
export class WorkerFatalReportError extends Error {
  readonly worker: string;
  readonly replica: number;
  readonly callId: string;
  constructor(r: Pick<ReportRequestMsg, "worker" | "replica" | "callId" | "kind" | "message">) {
    super(`${reportSender(r)} reported a fatal ${r.kind.replace("REPORT_KIND_", "").toLowerCase()}: ${r.message}`);
    this.name = "WorkerFatalReportError";
    this.worker = r.worker;
    this.replica = r.replica;
    this.callId = r.callId;
  }
}
