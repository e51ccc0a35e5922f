/** Reports to the quarterback's callback service (QB_CALLBACK); to stderr when there is none. */
import * as grpc from "@grpc/grpc-js";
import { clientSetup } from "../proto/credentials.js";
import { loadProtos } from "../proto/load.js";
import type { TransportAuth } from "../proto/transport-auth.js";
import type { ReportReplyMsg, ReportRequestMsg, WireReportKind } from "../proto/messages.js";
import type { Report, ReportOutcome } from "./types.js";

const KINDS: Record<Report["kind"], WireReportKind> = {
  error: "REPORT_KIND_ERROR",
  timeout: "REPORT_KIND_TIMEOUT",
  progress: "REPORT_KIND_PROGRESS",
  log: "REPORT_KIND_LOG",
};

const REPORT_TIMEOUT_MS = 5_000;

/**
 * The callback service comes up a moment after the workers: retry the connection within
 * ~50 ms rather than grpc-js's default 1 s, so a report or pond query made at startup waits
 * for it only as long as it takes.
 */
export const CALLBACK_CHANNEL_OPTIONS = {
  "grpc.initial_reconnect_backoff_ms": 50,
  "grpc.max_reconnect_backoff_ms": 1_000,
} as const;

export class Reporter {
  private client: grpc.Client | undefined;

  constructor(
    readonly address: string | null,
    readonly identity: { worker: string; replica: number },
    private readonly log: (line: string) => void,
    /** TLS and token for the callback service (the worker's own). */
    readonly auth?: TransportAuth,
  ) {}

  async report(r: Report & { callId?: string }): Promise<ReportOutcome> {
    const request: ReportRequestMsg = {
      kind: KINDS[r.kind] ?? "REPORT_KIND_UNSPECIFIED",
      message: String(r.message ?? ""),
      fatal: r.fatal === true,
      callId: r.callId ?? "",
      worker: this.identity.worker,
      replica: this.identity.replica,
      fraction: typeof r.fraction === "number" ? r.fraction : -1,
      details: r.details ?? "",
    };
    if (this.address === null) {
      this.log(`report ${JSON.stringify({ ...request, kind: r.kind })}`);
      return { delivered: false, runCancelled: false };
    }
    if (!this.client) {
      const { QuarterbackClient } = loadProtos();
      const setup = clientSetup(this.auth, this.address);
      this.client = new QuarterbackClient(this.address, setup.credentials, { ...CALLBACK_CHANNEL_OPTIONS, ...setup.options });
    }
    const client = this.client as unknown as {
      Report(req: ReportRequestMsg, metadata: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, reply?: ReportReplyMsg) => void): void;
    };
    return new Promise((resolve) => {
      // wait-for-ready: the quarterback starts its callback service a moment after its workers
      client.Report(request, new grpc.Metadata({ waitForReady: true }), { deadline: Date.now() + REPORT_TIMEOUT_MS }, (err, reply) => {
        if (err) {
          this.log(`report to ${this.address} failed: ${err.message}; it was ${JSON.stringify(request)}`);
          resolve({ delivered: false, runCancelled: false });
        } else resolve({ delivered: true, runCancelled: reply?.runCancelled === true });
      });
    });
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}
