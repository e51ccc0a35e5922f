/**
 * The baseline for bench/call-overhead: the same service on bare grpc-js, no SDK. Invoke
 * answers with its input; Session echoes each start as a result with the same call id.
 */
import * as grpc from "@grpc/grpc-js";
import { bindServer } from "../../src/proto/bind.js";
import { loadProtos } from "../../src/proto/load.js";
import type { InputMsg, OutputMsg, SessionInMsg, SessionOutMsg } from "../../src/proto/messages.js";

const server = new grpc.Server();
server.addService(loadProtos().worker, {
  Invoke(call: grpc.ServerUnaryCall<InputMsg, OutputMsg>, callback: grpc.sendUnaryData<OutputMsg>) {
    callback(null, { result: call.request.input });
  },
  Session(stream: grpc.ServerDuplexStream<SessionInMsg, SessionOutMsg>) {
    stream.on("data", (m: SessionInMsg) => stream.write({ callId: m.callId, result: m.start?.input ?? null }));
    stream.on("end", () => stream.end());
    stream.on("error", () => undefined);
  },
});
const address = await bindServer(server, process.env.QB_LISTEN ?? "127.0.0.1:0");
process.on("SIGTERM", () => {
  server.forceShutdown();
  process.exit(0);
});
process.stdout.write(`QB_LISTENING ${address}\n`);
