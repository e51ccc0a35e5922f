/** Worker.Describe: the worker's name, version, methods (and which are held), capacity. */
import type * as grpc from "@grpc/grpc-js";
import type { DescribeRequestMsg, DescribeResponseMsg } from "../proto/messages.js";
import { SDK_NAME } from "./version.js";
import type { WorkerCore } from "./worker-core.js";

export function describeHandler(
  core: WorkerCore,
  info: { name: string; version: string; session: boolean },
): grpc.handleUnaryCall<DescribeRequestMsg, DescribeResponseMsg> {
  const reply: DescribeResponseMsg = {
    name: info.name,
    version: info.version,
    methods: [...core.methods.values()].map((m) => ({ name: m.name, held: m.held, description: m.description })),
    maxConcurrentCalls: core.config.maxConcurrentCalls,
    session: info.session,
    maxMessageBytes: core.config.maxMessageBytes,
    sdk: SDK_NAME,
    // only with a land to read them from
    readsSpilledValues: core.config.landRoot !== null,
    // batched Session frames read (session-handler.ts); answers batched when the caller asks
    sessionBatches: info.session,
  };
  return (_call, callback) => callback(null, reply);
}
