/**
 * Loads the contract at run time with @grpc/proto-loader (no code generation step) and
 * hands out the gRPC service definitions for servers and client constructors for callers.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { SessionInMsg, SessionOutMsg } from "./messages.js";
import { HEALTH_PROTO, PROTO_ROOT, WORKER_PROTO } from "./paths.js";
import { withFastSessionCodec } from "./session-codec.js";

/** How messages are mapped to JavaScript objects; src/proto/messages.ts is typed to match. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

export interface LoadedProtos {
  /** Service definitions, for `server.addService`. */
  worker: grpc.ServiceDefinition;
  quarterback: grpc.ServiceDefinition;
  health: grpc.ServiceDefinition;
  /** Client constructors. */
  WorkerClient: grpc.ServiceClientConstructor;
  /** The Worker client callers use: the same service, with a faster codec for the Session stream's commonest messages. */
  WorkerCallerClient: grpc.ServiceClientConstructor;
  QuarterbackClient: grpc.ServiceClientConstructor;
  HealthClient: grpc.ServiceClientConstructor;
}

let cached: LoadedProtos | undefined;

export function loadProtos(): LoadedProtos {
  if (cached) return cached;
  const workerPkg = grpc.loadPackageDefinition(protoLoader.loadSync(WORKER_PROTO, LOADER_OPTIONS));
  const WorkerClient = lookup(workerPkg, "quarterback.v1.Worker");
  const QuarterbackClient = lookup(workerPkg, "quarterback.v1.Quarterback");
  // the health proto is parsed only when asked for: a worker serves health through
  // grpc-health-check (which loads its own copy) and never needs the client
  let HealthClient: grpc.ServiceClientConstructor | undefined;
  const healthClient = (): grpc.ServiceClientConstructor =>
    (HealthClient ??= lookup(grpc.loadPackageDefinition(protoLoader.loadSync(HEALTH_PROTO, LOADER_OPTIONS)), "grpc.health.v1.Health"));
  cached = {
    worker: WorkerClient.service,
    quarterback: QuarterbackClient.service,
    get health() {
      return healthClient().service;
    },
    WorkerClient,
    WorkerCallerClient: callerClient(WorkerClient),
    QuarterbackClient,
    get HealthClient() {
      return healthClient();
    },
  };
  return cached;
}

function callerClient(generic: grpc.ServiceClientConstructor): grpc.ServiceClientConstructor {
  const session = generic.service.Session as grpc.MethodDefinition<SessionInMsg, SessionOutMsg>;
  return grpc.makeClientConstructor({ ...generic.service, Session: withFastSessionCodec(session) }, generic.serviceName);
}

function lookup(root: grpc.GrpcObject, dotted: string): grpc.ServiceClientConstructor {
  let node: unknown = root;
  for (const part of dotted.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== "function" || !("service" in node)) throw new Error(`proto: service ${dotted} not found`);
  return node as grpc.ServiceClientConstructor;
}
