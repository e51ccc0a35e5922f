/** A worker's fatal report on the callback service, as the error the run fails with. */
import type { ReportRequestMsg } from "../proto/messages.js";
import type { CallAbout } from "../runtime/dispatcher.js";
import { preview } from "../runtime/errors.js";

/**
 * Who sent a report: the worker and its replica (QB_WORKER_NAME, QB_REPLICA; replica 0 is
 * a replica like any other, not a missing one), and the call it is about, if any.
 */
export function reportSender(r: Pick<ReportRequestMsg, "worker" | "replica" | "callId">): string {
  const who = r.worker ? `worker \`${r.worker}\` replica ${r.replica}` : "a worker";
  return r.callId ? `${who} (call ${r.callId})` : who;
}

type Report = Pick<ReportRequestMsg, "worker" | "replica" | "callId" | "kind" | "message">;

/**
 * A worker reported a fatal problem: the run is cancelled. When the report names a call
 * still in flight, the error names it as a failed call would be: step, worker, method,
 * replica, attempt and a preview of the input.
 */
export class WorkerFatalReportError extends Error {
  readonly worker: string;
  readonly replica: number;
  readonly callId: string;
  constructor(
    r: Report,
    readonly call?: CallAbout,
  ) {
    const what = `reported a fatal ${r.kind.replace("REPORT_KIND_", "").toLowerCase()}: ${r.message}`;
    super(
      call
        ? `step \`${call.step ?? "?"}\`: ${r.worker}.${call.method} on replica ${r.replica}, attempt ${call.attempt}, input ${preview(call.input)}: the worker ${what}`
        : `${reportSender(r)} ${what}`,
    );
    this.name = "WorkerFatalReportError";
    this.worker = r.worker;
    this.replica = r.replica;
    this.callId = r.callId;
  }
}
