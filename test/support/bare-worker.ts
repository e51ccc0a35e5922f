/**
 * Workers written on bare grpc-js, for tests of what the SDK would never send: health that
 * answers SERVING, a Describe of the test's choosing, and its own Invoke and Session. With
 * `rawSession`, the Session's outgoing messages are Buffers written as they are (garbage
 * frames). `attachedFlow` is the IR of one step calling such a worker, attached at an address.
 */
import * as grpc from "@grpc/grpc-js";
import type { CallOptions, FlowIR, SourceIR } from "../../src/ir/types.js";
import { loadProtos } from "../../src/proto/load.js";
import type { DescribeResponseMsg, SessionInMsg, SessionOutMsg } from "../../src/proto/messages.js";

/** The Describe of a worker named `name` with one plain method `method`. */
export function oneMethodDescribe(
  name: string,
  method: string,
  fields: Pick<DescribeResponseMsg, "maxConcurrentCalls" | "session" | "maxMessageBytes">,
): DescribeResponseMsg {
  return { name, version: "1", methods: [{ name: method, held: false, description: "" }], sdk: name, ...fields };
}

export interface BareWorker {
  describe: DescribeResponseMsg;
  /** `call`: the gRPC call itself, e.g. to read its deadline. */
  invoke(input: unknown, cb: grpc.sendUnaryData<unknown>, call: grpc.ServerUnaryCall<unknown, unknown>): void;
  session(stream: grpc.ServerDuplexStream<SessionInMsg, SessionOutMsg | Buffer>): void;
  /** Session answers are Buffers sent as they are. */
  rawSession?: boolean;
  /** What its health check answers (default SERVING). */
  health?: () => string;
}

/** The Session method's own encoder, to make valid frames a raw Session may then break. */
export function sessionEncoder(): (m: SessionOutMsg) => Buffer {
  const session = (loadProtos().worker as unknown as Record<string, grpc.MethodDefinition<SessionInMsg, SessionOutMsg>>).Session!;
  return (m) => session.responseSerialize(m);
}

export async function serveBareWorker(address: string, w: BareWorker): Promise<grpc.Server> {
  const protos = loadProtos();
  const server = new grpc.Server({ "grpc.max_send_message_length": -1 });
  server.addService(protos.health, { Check: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { status: w.health?.() ?? "SERVING" }) });
  const session = (protos.worker as unknown as Record<string, grpc.MethodDefinition<object, object>>).Session!;
  const definition: grpc.ServiceDefinition = w.rawSession
    ? { ...protos.worker, Session: { ...session, responseSerialize: (b: Buffer) => b } as typeof session }
    : protos.worker;
  server.addService(definition, {
    Describe: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, w.describe),
    Invoke: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => w.invoke(call.request, cb, call),
    Session: w.session,
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return server;
}

/** One step calling `worker.method` (the worker attached at `address`) on each item of `source`; emitted when `emit`. */
export function attachedFlow(address: string, worker: string, method: string, source: SourceIR, options: Partial<CallOptions> = {}, emit = false): FlowIR {
  const loc = { line: 1, col: 1, endLine: 1, endCol: 1 };
  const all: CallOptions = { parallel: null, timeoutMs: null, retries: 0, backoffMs: 0, ordered: false, onError: "fail", ...options };
  return {
    version: 1,
    flow: worker,
    file: `${worker}.flow`,
    params: [],
    workers: [{ name: worker, at: [address], replicas: 1, env: {}, loc }],
    steps: [{ name: "s", source, stages: [{ kind: "call", worker, method, input: null, hold: false, options: all, loc }], held: false, loc }],
    signals: [],
    sinks: emit ? [{ kind: "emit", step: "s", loc }] : [],
  };
}
