/**
 * A worker written against bare grpc-js (no SDK) that breaks the contract on purpose, so the
 * tests can see `qb worker test` fail. RAW_MODE picks the fault:
 *   exit-on-fail     qb.fail kills the process (a crash on one bad call)
 *   ignore-abort     qb.sleep never looks at cancel; qb.aborted always says false
 *   ignore-sigterm   SIGTERM does nothing (must be SIGKILLed)
 *   wrong-unknown    an unknown method gets a result instead of UNKNOWN_METHOD
 *   good             none of the above: a valid plain Invoke worker without the SDK
 */
import * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { bindServer } from "../../src/proto/bind.js";
import { loadProtos } from "../../src/proto/load.js";
import type { InputMsg, OutputMsg } from "../../src/proto/messages.js";

const mode = process.env.RAW_MODE ?? "good";
const aborted = new Set<string>();

function reply(value: unknown): OutputMsg {
  return { result: { json: JSON.stringify(value) } };
}

function invoke(call: grpc.ServerUnaryCall<InputMsg, OutputMsg>, cb: grpc.sendUnaryData<OutputMsg>): void {
  let input: Record<string, unknown> | null;
  try {
    input = call.request.input?.json ? (JSON.parse(call.request.input.json) as Record<string, unknown>) : null;
  } catch (e) {
    return cb(null, {
      error: { code: "ERROR_CODE_INVALID_ARGUMENT", message: `not JSON: ${(e as Error).message}`, details: "", retryable: false, type: "SyntaxError" },
    });
  }
  switch (call.request.method) {
    case "qb.echo":
      return cb(null, reply(input));
    case "qb.fail":
      if (mode === "exit-on-fail") process.exit(3);
      return cb(null, { error: { code: "ERROR_CODE_FAILED", message: String(input?.message), details: "raw", retryable: false, type: "Error" } });
    case "qb.sleep": {
      const timer = setTimeout(() => cb(null, reply({ slept: input?.ms })), Number(input?.ms ?? 0));
      if (mode !== "ignore-abort") {
        call.on("cancelled", () => {
          clearTimeout(timer);
          if (typeof input?.tag === "string") aborted.add(input.tag);
        });
      }
      return;
    }
    case "qb.aborted":
      return cb(null, reply({ aborted: aborted.has(String(input?.tag)), reason: "cancelled" }));
    default:
      if (mode === "wrong-unknown") return cb(null, reply("whatever"));
      return cb(null, {
        error: { code: "ERROR_CODE_UNKNOWN_METHOD", message: `unknown method ${call.request.method}`, details: "", retryable: false, type: "" },
      });
  }
}

const server = new grpc.Server();
server.addService(loadProtos().worker, { Invoke: invoke });
new HealthImplementation({ "": "SERVING" }).addToServer(server);
const address = await bindServer(server, process.env.QB_LISTEN ?? "127.0.0.1:0");
process.on("SIGTERM", () => {
  if (mode === "ignore-sigterm") return;
  server.forceShutdown();
  process.exit(0);
});
process.stdout.write(`QB_LISTENING ${address}\n`);
