/**
 * serveWorker: turns a table of methods into a running worker: the Worker service (Invoke,
 * Describe, Session), grpc.health.v1, listening where QB_LISTEN says, announcing the address,
 * and (when it owns the process) a clean shutdown on SIGTERM.
 */
import * as grpc from "@grpc/grpc-js";
import { HealthService } from "../proto/health-service.js";
import { bindServer } from "../proto/bind.js";
import { loadProtos } from "../proto/load.js";
import { listeningLine } from "../common/announce.js";
import { conformanceMethods } from "./conformance-methods.js";
import { describeHandler } from "./describe-handler.js";
import { readWorkerEnvironment } from "./environment.js";
import { WorkerConfigError } from "./errors.js";
import { invokeHandler } from "./invoke-handler.js";
import { resolveMethods } from "./methods.js";
import { Reporter } from "./reporter.js";
import { sessionHandler, type SessionRegistry } from "./session-handler.js";
import { shutdownWorker } from "./shutdown.js";
import { ownProcess } from "./own-process.js";
import type { MethodTable, Report, WorkerOptions, WorkerServer } from "./types.js";
import { WorkerCore } from "./worker-core.js";

export const DEFAULT_MAX_CONCURRENT_CALLS = 64;
import { DEFAULT_MAX_MESSAGE_BYTES } from "../common/limits.js";
export { DEFAULT_MAX_MESSAGE_BYTES };

export async function serveWorker(methods: MethodTable, options: WorkerOptions = {}): Promise<WorkerServer> {
  const env = readWorkerEnvironment(options.env ?? process.env);
  const log = options.log ?? ((line: string) => process.stderr.write(`[worker] ${line}\n`));
  const maxConcurrentCalls = options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isInteger(maxConcurrentCalls) || maxConcurrentCalls < 1)
    throw new WorkerConfigError(`maxConcurrentCalls must be a positive integer, not ${maxConcurrentCalls}`);
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 4096)
    throw new WorkerConfigError(`maxMessageBytes must be an integer of at least 4096, not ${maxMessageBytes}`);
  const name = options.name ?? env.workerName ?? "worker";
  const session = options.session ?? true;

  const resolved = resolveMethods(methods, options.conformance === false ? {} : conformanceMethods());
  const reporter = new Reporter(options.callback ?? env.callback, { worker: env.workerName ?? name, replica: env.replica }, log);
  const core = new WorkerCore(resolved, { maxConcurrentCalls, maxMessageBytes, landRoot: options.land ?? env.land }, reporter);

  const sessions = new Set<() => void>();
  const registry: SessionRegistry = {
    add(end) {
      sessions.add(end);
      return () => sessions.delete(end);
    },
  };

  const server = new grpc.Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
  });
  const impl: grpc.UntypedServiceImplementation = {
    Invoke: invokeHandler(core),
    Describe: describeHandler(core, { name, version: options.version ?? "0.0.0", session }),
  };
  if (session) impl.Session = sessionHandler(core, registry);
  server.addService(loadProtos().worker, impl);
  const health = new HealthService({ "": "NOT_SERVING", "quarterback.v1.Worker": "NOT_SERVING" });
  health.addToServer(server);

  const address = await bindServer(server, options.listen ?? env.listen);
  health.setStatus("", "SERVING");
  health.setStatus("quarterback.v1.Worker", "SERVING");

  let stopping: Promise<void> | undefined;
  const worker: WorkerServer = {
    address,
    inFlight: () => core.live.size,
    shutdown: () => (stopping ??= shutdownWorker({ core, server, health, sessions, address, log })),
    report: (r: Report) => reporter.report(r),
  };
  if (options.ownsProcess ?? true) ownProcess(worker, log);
  if (options.announce ?? true) process.stdout.write(listeningLine(address));
  return worker;
}
