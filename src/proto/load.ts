/**
 * Loads the contract at run time (protobufjs parses the .proto files; no code generation
 * step) and hands out the gRPC service definitions for servers and client constructors
 * for callers.
 */
import * as grpc from "@grpc/grpc-js";
import type { Options } from "@grpc/proto-loader";
import type { SessionInMsg, SessionOutMsg } from "./messages.js";
import { HEALTH_PROTO, PROTO_ROOT, WORKER_PROTO } from "./paths.js";
import { withFastSessionCodec } from "./session-codec.js";
import { withFastWorkerSessionCodec } from "./worker-session-codec.js";
import { CONVERSION, parseProtos, serviceDefinition } from "./service-definition.js";

/** The same mapping, for callers that load the contract with @grpc/proto-loader (tests, other tools). */
export const LOADER_OPTIONS: Options = { keepCase: false, ...CONVERSION, includeDirs: [PROTO_ROOT] };

export interface LoadedProtos {
  /** Service definitions, for `server.addService`. */
  worker: grpc.ServiceDefinition;
  /** The Worker service workers serve: the same, with a faster codec for the Session stream's commonest messages. */
  workerServer: grpc.ServiceDefinition;
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
  // one parse for both files: one protobufjs root
  const root = parseProtos([WORKER_PROTO, HEALTH_PROTO], PROTO_ROOT);
  const client = (name: string): grpc.ServiceClientConstructor => grpc.makeClientConstructor(serviceDefinition(root, name), name);
  const WorkerClient = client("quarterback.v1.Worker");
  const QuarterbackClient = client("quarterback.v1.Quarterback");
  const HealthClient = client("grpc.health.v1.Health");
  cached = {
    worker: WorkerClient.service,
    workerServer: {
      ...WorkerClient.service,
      Session: withFastWorkerSessionCodec(WorkerClient.service.Session as grpc.MethodDefinition<SessionInMsg, SessionOutMsg>),
    },
    quarterback: QuarterbackClient.service,
    health: HealthClient.service,
    WorkerClient,
    WorkerCallerClient: callerClient(WorkerClient),
    QuarterbackClient,
    HealthClient,
  };
  return cached;
}

function callerClient(generic: grpc.ServiceClientConstructor): grpc.ServiceClientConstructor {
  const session = generic.service.Session as grpc.MethodDefinition<SessionInMsg, SessionOutMsg>;
  return grpc.makeClientConstructor({ ...generic.service, Session: withFastSessionCodec(session) }, generic.serviceName);
}
