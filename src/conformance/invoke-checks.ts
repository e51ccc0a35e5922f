/** Invoke checks that need the conformance methods, plus malformed and oversized messages. */
import * as grpc from "@grpc/grpc-js";
import { fromWireCode } from "../proto/error-codes.js";
import { RemoteCallError, TransportError } from "../client/errors.js";
import { abortSeen, type Check, CheckFailed, checkNeeding, describeError, expect, needs, pass, stillServes, uniqueTag } from "./check.js";
import { ECHO_SAMPLE, sameJson } from "./samples.js";

/** How long after a cancel (or deadline) the method's abort signal must have fired. */
export const ABORT_WITHIN_MS = 100;
const DEADLINE_MS = 300;
const CONCURRENT = 32;
const CONCURRENT_SLEEP_MS = 300;

export const invokeEchoCheck = checkNeeding(
  "invoke.echo",
  "qb.echo returns its input unchanged (unicode, big and small numbers, nesting)",
  ["qb.echo"],
  async (t) => {
    const back = await t.client.invoke("qb.echo", ECHO_SAMPLE, { timeoutMs: 5_000 });
    expect(sameJson(back, ECHO_SAMPLE), `qb.echo returned ${JSON.stringify(back).slice(0, 200)}`);
    return pass("the value came back unchanged");
  },
);

export const invokeErrorCheck = checkNeeding(
  "invoke.error",
  "a method that throws answers an error result (FAILED, its message, a stack) and the worker still serves",
  ["qb.fail"],
  async (t) => {
    const message = `conformance failure ${uniqueTag("m")}`;
    let err: unknown;
    try {
      await t.client.invoke("qb.fail", { message }, { timeoutMs: 5_000 });
    } catch (e) {
      err = e;
    }
    expect(err instanceof RemoteCallError, `expected an error result, got ${err === undefined ? "a result" : describeError(err)}`);
    expect(err.code === "FAILED", `expected code FAILED, got ${err.code}`);
    expect(err.message === message, `expected message ${JSON.stringify(message)}, got ${JSON.stringify(err.message)}`);
    expect(err.details.trim() !== "", "details is empty: it should carry the stack or traceback");
    await stillServes(t);
    return pass(
      `FAILED (${err.remoteType || "no type"}, ${err.retryable ? "retryable" : "not retryable"}) with its message and a ${err.details.split("\n").length}-line stack; still serving`,
    );
  },
);

export const invokeCancelCheck: Check = {
  name: "invoke.cancel",
  about: `cancelling an Invoke fires the method's abort signal within ${ABORT_WITHIN_MS} ms`,
  async run(t) {
    const s = await needs(t, "qb.sleep", "qb.aborted");
    if (s) return s;
    const tag = uniqueTag("cancel");
    const ac = new AbortController();
    // handled from the start: a worker that is gone fails the call during the wait below
    const ended = t.client.invoke("qb.sleep", { ms: 10_000, tag }, { signal: ac.signal, timeoutMs: 15_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 150));
    const cancelledAt = Date.now();
    ac.abort();
    const err = await ended;
    expect(
      err instanceof TransportError && err.grpcCode === grpc.status.CANCELLED,
      `the cancelled call ended with ${err === undefined ? "a result" : describeError(err)}`,
    );
    const seen = await abortSeen(t, tag, cancelledAt, cancelledAt + ABORT_WITHIN_MS);
    expect(seen, `the method's abort signal had not fired ${ABORT_WITHIN_MS} ms after the cancel`);
    await stillServes(t);
    return pass(`abort signal fired ${seen.afterMs} ms after the cancel (reason ${seen.reason})`);
  },
};

export const invokeDeadlineCheck: Check = {
  name: "invoke.deadline",
  about: `a call past its gRPC deadline ends with DEADLINE_EXCEEDED and its abort signal fires within ${ABORT_WITHIN_MS} ms`,
  async run(t) {
    const s = await needs(t, "qb.sleep");
    if (s) return s;
    const tag = uniqueTag("deadline");
    const start = Date.now();
    let err: unknown;
    try {
      await t.client.invoke("qb.sleep", { ms: 10_000, tag }, { timeoutMs: DEADLINE_MS });
    } catch (e) {
      err = e;
    }
    const took = Date.now() - start;
    const deadlineHit =
      (err instanceof TransportError && err.grpcCode === grpc.status.DEADLINE_EXCEEDED) || (err instanceof RemoteCallError && err.code === "DEADLINE_EXCEEDED");
    expect(deadlineHit, `expected DEADLINE_EXCEEDED, got ${err === undefined ? "a result" : describeError(err)}`);
    expect(took <= DEADLINE_MS + ABORT_WITHIN_MS, `the call ended ${took} ms after it started, with a ${DEADLINE_MS} ms deadline`);
    let fired = "";
    if (await t.has("qb.aborted")) {
      const seen = await abortSeen(t, tag, start + DEADLINE_MS, start + DEADLINE_MS + ABORT_WITHIN_MS);
      expect(seen, `the method's abort signal had not fired ${ABORT_WITHIN_MS} ms after the deadline`);
      fired = `; abort signal fired ${Math.max(0, seen.afterMs)} ms after it (reason ${seen.reason})`;
    }
    return pass(`ended after ${took} ms with a ${DEADLINE_MS} ms deadline${fired}`);
  },
};

export const invokeConcurrencyCheck: Check = {
  name: "invoke.concurrency",
  about: `${CONCURRENT} concurrent calls all complete correctly, and at the same time`,
  async run(t) {
    const max = t.describe?.maxConcurrentCalls || 0;
    if (await t.has("qb.sleep")) {
      const start = Date.now();
      const results = await Promise.allSettled(
        Array.from({ length: CONCURRENT }, () => t.client.invoke("qb.sleep", { ms: CONCURRENT_SLEEP_MS }, { timeoutMs: 20_000 })),
      );
      const took = Date.now() - start;
      const ok = results.filter((r) => r.status === "fulfilled" && (r.value as { slept?: unknown })?.slept === CONCURRENT_SLEEP_MS).length;
      const refused = results.filter(
        (r) => r.status === "rejected" && r.reason instanceof RemoteCallError && r.reason.code === "RESOURCE_EXHAUSTED" && r.reason.retryable,
      ).length;
      const other = results.find((r) => r.status === "rejected" && !(r.reason instanceof RemoteCallError && r.reason.code === "RESOURCE_EXHAUSTED"));
      expect(other === undefined, `a call failed: ${other && other.status === "rejected" ? describeError(other.reason) : ""}`);
      if (max === 0 || max >= CONCURRENT) {
        expect(ok === CONCURRENT, `${ok} of ${CONCURRENT} calls succeeded (${refused} refused) though the worker takes ${max || "unstated"} at once`);
        expect(took < CONCURRENT_SLEEP_MS * 3, `${CONCURRENT} sleeps of ${CONCURRENT_SLEEP_MS} ms took ${took} ms: they did not run at the same time`);
        return pass(`${CONCURRENT} sleeps of ${CONCURRENT_SLEEP_MS} ms ran at once in ${took} ms`);
      }
      expect(ok >= max, `only ${ok} calls succeeded though the worker says it takes ${max} at once`);
      expect(ok + refused === CONCURRENT, "some calls neither succeeded nor were refused as RESOURCE_EXHAUSTED");
      return pass(`${ok} succeeded and ${refused} were refused as retryable RESOURCE_EXHAUSTED (max ${max} at once)`);
    }
    const s = await needs(t, "qb.echo");
    if (s) return s;
    const results = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => t.client.invoke("qb.echo", { i, pad: "x".repeat(i * 100) }, { timeoutMs: 20_000 })),
    );
    results.forEach((r, i) => expect((r as { i?: unknown })?.i === i, `call ${i} got the answer ${JSON.stringify(r).slice(0, 80)}`));
    return pass(`${CONCURRENT} concurrent qb.echo calls each got their own answer`);
  },
};

export const invokeMalformedCheck: Check = {
  name: "invoke.malformed",
  about: "bytes that are not an Input, and input that is not JSON, are refused without a crash",
  async run(t) {
    const raw = new grpc.Client(t.address, grpc.credentials.createInsecure());
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0b, 0x0f]);
    const status = await new Promise<grpc.StatusObject | null>((resolve) => {
      raw.makeUnaryRequest(
        "/quarterback.v1.Worker/Invoke",
        (b: Buffer) => b,
        (b: Buffer) => b,
        garbage,
        { deadline: Date.now() + 5_000 },
        (err) => resolve(err ? { code: err.code, details: err.details, metadata: err.metadata } : null),
      );
    });
    raw.close();
    expect(status !== null, "garbage bytes were accepted as an Input (status OK)");
    let notJson = "";
    if (await t.has("qb.echo")) {
      const out = await t.client
        .invokeRaw({ method: "qb.echo", input: { json: "{not json" }, callId: "", attempt: 1 }, { timeoutMs: 5_000 })
        .catch((e: unknown) => {
          throw new CheckFailed(`input that is not JSON failed the call (${describeError(e)}) instead of answering error INVALID_ARGUMENT`);
        });
      expect(out.error, `input that is not JSON came back as ${JSON.stringify(out.result)}`);
      expect(fromWireCode(out.error.code) === "INVALID_ARGUMENT", `input that is not JSON gave ${out.error.code}, expected INVALID_ARGUMENT`);
      notJson = "; input that is not JSON: INVALID_ARGUMENT";
    }
    await stillServes(t);
    return pass(`garbage bytes: gRPC ${grpc.status[status.code]}${notJson}; still serving`);
  },
};

export const invokeOversizedCheck: Check = {
  name: "invoke.oversized",
  about: "an Input over the worker's message limit is refused without a crash",
  async run(t) {
    const size = t.maxMessageBytes + 64 * 1024;
    const method = (await t.has("qb.echo")) ? "qb.echo" : "qb.no-such-method";
    let result: string;
    try {
      const out = await t.client.invokeRaw({ method, input: { json: JSON.stringify("x".repeat(size)) }, callId: "", attempt: 1 }, { timeoutMs: 20_000 });
      if (out.result) throw new CheckFailed(`a ${size}-byte message over the ${t.maxMessageBytes}-byte limit was accepted`);
      result = `error ${out.error?.code}`;
    } catch (e) {
      if (e instanceof CheckFailed) throw e;
      expect(e instanceof TransportError, `unexpected failure: ${describeError(e)}`);
      result = `gRPC ${e.grpcCodeName}`;
    }
    await stillServes(t);
    return pass(`${(size / 1048576).toFixed(2)} MiB refused (${result}); still serving`);
  },
};
