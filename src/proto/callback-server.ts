/**
 * A minimal server for the Quarterback callback service (workers report errors, timeouts
 * and progress out of band). The run-time behaviour (cancelling a run on a fatal report)
 * belongs to the quarterback; this helper only receives reports and answers whether the run
 * is being cancelled.
 */
import * as grpc from "@grpc/grpc-js";
import { bindServer } from "./bind.js";
import { serverAuthOptions } from "./credentials.js";
import type { TransportAuth } from "./transport-auth.js";
import { checkTransport } from "./transport-policy.js";
import { PondRequestError } from "./pond-request-error.js";
import { HealthService } from "./health-service.js";
import { loadProtos } from "./load.js";
import type { PondColumnsReplyMsg, PondQueryRequestMsg, PondRowsMsg, ReportReplyMsg, ReportRequestMsg } from "./messages.js";

export interface CallbackHandlers {
  report(request: ReportRequestMsg): ReportReplyMsg | Promise<ReportReplyMsg>;
  /** Batches of rows for a worker's pond query; absent when the run has no pond. */
  pondQuery?(request: PondQueryRequestMsg, signal: AbortSignal): AsyncIterable<unknown[]>;
  /** A worker's pond query as columns, written to the land; absent when the run has no pond. */
  pondColumns?(request: PondQueryRequestMsg, signal: AbortSignal): Promise<PondColumnsReplyMsg>;
}

export interface CallbackServer {
  /** The address to give workers as QB_CALLBACK. */
  address: string;
  close(): Promise<void>;
}

/**
 * Serves the callback service at `address`. With `auth`, every call must bring the token
 * and, on TCP, a client certificate signed by the CA; a non-loopback address without TLS
 * is refused (InsecureTransportError). The health service is behind the same checks.
 */
export async function serveCallback(handlers: CallbackHandlers, address = "127.0.0.1:0", auth?: TransportAuth): Promise<CallbackServer> {
  // refused before anything is made
  checkTransport("the callback service", address, auth, "listen");
  const server = new grpc.Server(serverAuthOptions(auth));
  server.addService(loadProtos().quarterback, {
    Report(call: grpc.ServerUnaryCall<ReportRequestMsg, ReportReplyMsg>, callback: grpc.sendUnaryData<ReportReplyMsg>) {
      Promise.resolve()
        .then(() => handlers.report(call.request))
        .then(
          (reply) => callback(null, reply),
          (err: unknown) => callback({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) }),
        );
    },
    PondQuery(call: grpc.ServerWritableStream<PondQueryRequestMsg, PondRowsMsg>) {
      const controller = new AbortController();
      call.on("cancelled", () => controller.abort(new Error("the worker cancelled the query")));
      void (async () => {
        if (!handlers.pondQuery) throw new PondRequestError("this run has no pond: start it with --pond (or QB_POND)", "unavailable");
        for await (const rows of handlers.pondQuery(call.request, controller.signal)) {
          if (controller.signal.aborted) return;
          if (!call.write({ rowsJson: JSON.stringify(rows) })) await drained(call, controller.signal);
        }
        call.end();
      })().catch((err: unknown) => {
        // the worker cancelled: it waits for nothing more
        if (controller.signal.aborted) return;
        call.emit("error", { code: pondErrorCode(err), details: err instanceof Error ? err.message : String(err) });
      });
    },
    PondColumns(call: grpc.ServerUnaryCall<PondQueryRequestMsg, PondColumnsReplyMsg>, callback: grpc.sendUnaryData<PondColumnsReplyMsg>) {
      const controller = new AbortController();
      call.on("cancelled", () => controller.abort(new Error("the worker cancelled the query")));
      Promise.resolve()
        .then(() => {
          if (!handlers.pondColumns) throw new PondRequestError("this run has no pond: start it with --pond (or QB_POND)", "unavailable");
          return handlers.pondColumns(call.request, controller.signal);
        })
        .then(
          (reply) => callback(null, reply),
          (err: unknown) => callback({ code: pondErrorCode(err), details: err instanceof Error ? err.message : String(err) }),
        );
    },
  });
  // the standard health service: a worker may check that its quarterback is there, and the
  // quarterback warms its own gRPC client on it while its workers start
  const health = new HealthService({ "": "SERVING", "quarterback.v1.Quarterback": "SERVING" });
  health.addToServer(server);
  const bound = await bindServer(server, address, auth, "the callback service");
  return {
    address: bound,
    close: () =>
      new Promise<void>((resolve) => {
        health.shutdown();
        server.tryShutdown(() => resolve());
      }),
  };
}

/** A pond request the run cannot serve (no pond, no land) is FAILED_PRECONDITION; anything else is the query's fault. */
function pondErrorCode(err: unknown): grpc.status {
  return err instanceof PondRequestError && err.kind === "unavailable" ? grpc.status.FAILED_PRECONDITION : grpc.status.INVALID_ARGUMENT;
}

/** A full buffer waits for the worker to read it, or for the worker to cancel (then no drain comes). */
function drained(call: grpc.ServerWritableStream<PondQueryRequestMsg, PondRowsMsg>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
