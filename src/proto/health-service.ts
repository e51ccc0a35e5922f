/**
 * The standard gRPC health service (grpc.health.v1: Check, Watch, List), served by every
 * worker and by the quarterback's callback service. Its proto is parsed together with the
 * worker contract in `loadProtos`, in the same pass: the grpc-health-check package parses
 * its own copy with its own proto-loader at import time, which cost every worker ~20 ms of
 * its startup (bench/startup). Behaviour follows the spec and that package: Check answers
 * NOT_FOUND for a service it does not know, Watch sends SERVICE_UNKNOWN and then every change.
 */
import * as grpc from "@grpc/grpc-js";
import { loadProtos } from "./load.js";
import type { HealthCheckResponseMsg, HealthStatus } from "./messages.js";

/** The spec lets a server refuse to list more services than this (RESOURCE_EXHAUSTED). */
const LIST_LIMIT = 100;

type Watcher = (status: HealthStatus) => void;

export class HealthService {
  private readonly statuses = new Map<string, HealthStatus>();
  private readonly watchers = new Map<string, Set<Watcher>>();

  constructor(initial: Record<string, HealthStatus> = {}) {
    for (const [service, status] of Object.entries(initial)) this.statuses.set(service, status);
  }

  /** Open Watch streams, ended by `shutdown`: a server shuts down gracefully only once every call has ended. */
  /** After shutdown a Watch gets the status and its end at once. */
  private closed = false;
  private readonly watching = new Set<grpc.ServerWritableStream<{ service: string }, HealthCheckResponseMsg>>();

  setStatus(service: string, status: HealthStatus): void {
    this.statuses.set(service, status);
    for (const watcher of this.watchers.get(service) ?? []) watcher(status);
  }

  /** Every service NOT_SERVING (watchers are told), then every Watch stream ends. */
  shutdown(): void {
    this.closed = true;
    for (const service of this.statuses.keys()) this.setStatus(service, "NOT_SERVING");
    for (const call of this.watching) call.end();
    this.watching.clear();
    this.watchers.clear();
  }

  addToServer(server: grpc.Server): void {
    server.addService(loadProtos().health, {
      Check: (call: grpc.ServerUnaryCall<{ service: string }, HealthCheckResponseMsg>, callback: grpc.sendUnaryData<HealthCheckResponseMsg>) => {
        const status = this.statuses.get(call.request.service);
        if (status) callback(null, { status });
        else callback({ code: grpc.status.NOT_FOUND, details: `health status unknown for service "${call.request.service}"` });
      },
      Watch: (call: grpc.ServerWritableStream<{ service: string }, HealthCheckResponseMsg>) => {
        const service = call.request.service;
        const watcher: Watcher = (status) => void call.write({ status });
        const set = this.watchers.get(service) ?? new Set<Watcher>();
        this.watchers.set(service, set.add(watcher));
        this.watching.add(call);
        call.on("cancelled", () => {
          set.delete(watcher);
          this.watching.delete(call);
        });
        watcher(this.statuses.get(service) ?? "SERVICE_UNKNOWN");
        if (this.closed) call.end();
      },
      List: (_call: grpc.ServerUnaryCall<object, unknown>, callback: grpc.sendUnaryData<{ statuses: Record<string, HealthCheckResponseMsg> }>) => {
        if (this.statuses.size > LIST_LIMIT) return callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: "too many services to list" });
        callback(null, { statuses: Object.fromEntries([...this.statuses].map(([service, status]) => [service, { status }])) });
      },
    });
  }
}
