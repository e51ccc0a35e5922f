/**
 * serveWorker: turns a table of methods into a running worker: the Worker service (Invoke,
 * Describe, Session), grpc.health.v1, listening where QB_LISTEN says, announcing the address,
 * and (when it owns the process) a clean shutdown on SIGTERM.
 */
import * as grpc from "@grpc/grpc-js";
import { HealthService } from "../proto/health-service.js";
import { BindError, bindServer, resolvedAddress } from "../proto/bind.js";
import { serverAuthOptions } from "../proto/credentials.js";
import { loadTransportAuth } from "../proto/transport-auth.js";
import { checkTransport } from "../proto/transport-policy.js";
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
  const listen = options.listen ?? env.listen;
  const callback = options.callback ?? env.callback;
  const healthListen = options.healthListen ?? env.healthListen;
  // refused before anything listens: a network address without TLS, either way
  const auth = loadTransportAuth(options.auth ?? env.auth);
  checkTransport(`worker \`${name}\``, listen, auth, "listen");
  if (callback !== null) checkTransport(`worker \`${name}\` (its callback client, QB_CALLBACK)`, callback, auth, "dial");

  const resolved = resolveMethods(methods, options.conformance === false ? {} : conformanceMethods());
  const reporter = new Reporter(callback, { worker: env.workerName ?? name, replica: env.replica }, log, auth);
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
    ...serverAuthOptions(auth),
  });
  const impl: grpc.UntypedServiceImplementation = {
    Invoke: invokeHandler(core),
    Describe: describeHandler(core, { name, version: options.version ?? "0.0.0", session }),
  };
  if (session) impl.Session = sessionHandler(core, registry);
  server.addService(loadProtos().workerServer, impl);
  const health = new HealthService({ "": "NOT_SERVING", "quarterback.v1.Worker": "NOT_SERVING" });
  health.addToServer(server);

  const address = await bindServer(server, listen, auth, `worker \`${name}\``);
  const healthServer =
    healthListen === null
      ? undefined
      : await serveHealthOnly(health, healthListen).catch((err: unknown) => {
          server.forceShutdown();
          throw err;
        });
  health.setStatus("", "SERVING");
  health.setStatus("quarterback.v1.Worker", "SERVING");

  let stopping: Promise<void> | undefined;
  const worker: WorkerServer = {
    address,
    inFlight: () => core.live.size,
    healthAddress: healthServer?.address ?? null,
    shutdown: () => (stopping ??= shutdownWorker({ core, server, health, sessions, address, log }).finally(() => healthServer?.server.forceShutdown())),
    report: (r: Report) => reporter.report(r),
  };
  if (options.ownsProcess ?? true) ownProcess(worker, log);
  if (options.announce ?? true) process.stdout.write(listeningLine(address));
  return worker;
}

/**
 * The health-only port: grpc.health.v1 and nothing else, without TLS or token, because
 * Kubernetes' gRPC probes can send neither. It tells only SERVING or NOT_SERVING; no
 * method of the worker is reachable through it (docs/remote-workers.md).
 */
async function serveHealthOnly(health: HealthService, address: string): Promise<{ server: grpc.Server; address: string }> {
  const server = new grpc.Server();
  health.addToServer(server);
  // nothing but health here: it may listen anywhere
  const bound = await new Promise<string>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(new BindError(address, { cause: err })) : resolve(resolvedAddress(address, port)),
    ),
  );
  return { server, address: bound };
}
