/** Checks every worker must pass: health, Describe (when served), unknown method. */
import { status as grpcStatus } from "@grpc/grpc-js";
import { fromWireCode } from "../proto/error-codes.js";
import { TransportError } from "../client/errors.js";
import { type Check, expect, pass, skip } from "./check.js";

export const healthCheck: Check = {
  name: "health",
  about: "grpc.health.v1 Check answers SERVING",
  async run(t) {
    const until = Date.now() + 5_000;
    let last = "";
    for (;;) {
      try {
        last = await t.client.health("", 1_000);
        if (last === "SERVING") break;
      } catch (e) {
        last = (e as Error).message;
      }
      expect(Date.now() < until, `health is ${last}, not SERVING, 5 s after start`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return pass("SERVING");
  },
};

export const describeCheck: Check = {
  name: "describe",
  about: "Describe is well-formed (or not served: a plain Invoke worker)",
  async run(t) {
    const d = t.describe;
    if (!d) return skip("Describe is not served (UNIMPLEMENTED): a plain Invoke worker; conformance methods are found by asking");
    expect(d.name.trim() !== "", "name is empty");
    const names = d.methods.map((m) => m.name);
    expect(
      names.every((n) => n.trim() !== ""),
      "a method has an empty name",
    );
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    expect(dup === undefined, `method ${dup} is listed twice`);
    const held = d.methods.filter((m) => m.held).map((m) => m.name);
    expect(held.length === 0 || d.session, `held methods (${held.join(", ")}) need Session, but the worker says it does not speak Session`);
    const user = names.filter((n) => !n.startsWith("qb."));
    return pass(
      `${d.name} ${d.version || "(no version)"}: ${user.length} method${user.length === 1 ? "" : "s"} (${user.join(", ") || "none"}) + ${names.length - user.length} conformance; ` +
        `max ${d.maxConcurrentCalls || "unstated"} concurrent calls; ${d.session ? "speaks Session" : "no Session"}; ${d.sdk || "sdk unstated"}`,
    );
  },
};

export const unknownMethodCheck: Check = {
  name: "invoke.unknown-method",
  about: "Invoke of a method the worker does not serve answers error UNKNOWN_METHOD, not retryable",
  async run(t) {
    const method = `qb.no-such-method-${Date.now()}`;
    let out;
    try {
      out = await t.client.invokeRaw({ method, input: { json: "{}" }, callId: "unknown-1", attempt: 1 }, { timeoutMs: 5_000 });
    } catch (e) {
      const code = e instanceof TransportError ? grpcStatus[e.grpcCode] : String(e);
      throw new Error(`expected an Output with error UNKNOWN_METHOD, got gRPC status ${code}`);
    }
    expect(out.error, `expected error UNKNOWN_METHOD, got a result ${JSON.stringify(out.result)}`);
    const code = fromWireCode(out.error.code);
    expect(code === "UNKNOWN_METHOD", `expected error UNKNOWN_METHOD, got ${out.error.code}: ${out.error.message}`);
    expect(!out.error.retryable, "UNKNOWN_METHOD must not be retryable");
    return pass(`UNKNOWN_METHOD: ${out.error.message.slice(0, 100)}`);
  },
};
