/** Session checks: the same behaviours over one multiplexed stream, plus held calls and signals. */
import * as grpc from "@grpc/grpc-js";
import { fromWireCode } from "../proto/error-codes.js";
import type { SessionOutMsg } from "../proto/messages.js";
import { RemoteCallError } from "../client/errors.js";
import type { SessionClient } from "../client/session-client.js";
import type { Value } from "../common/values.js";
import {
  abortSeen,
  type Check,
  type ConformanceTarget,
  describeError,
  expect,
  needs,
  type Outcome,
  pass,
  skip,
  sleep,
  stillServes,
  uniqueTag,
  within,
} from "./check.js";
import { ABORT_WITHIN_MS } from "./invoke-checks.js";
import { ECHO_SAMPLE, sameJson } from "./samples.js";

const DEADLINE_MS = 300;
const CONCURRENT = 32;
const CONCURRENT_SLEEP_MS = 300;

/** Runs `body` on a fresh session when the worker speaks Session; closes the session after. */
function sessionCheck(name: string, about: string, methods: string[], body: (t: ConformanceTarget, s: SessionClient) => Promise<Outcome>): Check {
  return {
    name,
    about,
    async run(t) {
      if (!t.speaksSession) return skip(t.describe ? "the worker does not speak Session (Describe says so)" : "no Describe, so no Session");
      const missing = await needs(t, ...methods);
      if (missing) return missing;
      const s = t.client.session();
      try {
        return await body(t, s);
      } finally {
        s.cancel();
      }
    },
  };
}

async function settle(p: Promise<Value>): Promise<{ value?: Value; error?: unknown }> {
  try {
    return { value: await p };
  } catch (error) {
    return { error };
  }
}

export const sessionUnknownMethodCheck = sessionCheck(
  "session.unknown-method",
  "a start of an unknown method answers error UNKNOWN_METHOD",
  [],
  async (_t, s) => {
    const r = await settle(s.start(`qb.no-such-method-${Date.now()}`, {}).result);
    expect(
      r.error instanceof RemoteCallError && r.error.code === "UNKNOWN_METHOD",
      `expected error UNKNOWN_METHOD, got ${r.error ? describeError(r.error) : "a result"}`,
    );
    return pass("UNKNOWN_METHOD");
  },
);

export const sessionEchoCheck = sessionCheck("session.echo", "calls on one stream get their own results (qb.echo)", ["qb.echo"], async (_t, s) => {
  const values: Value[] = [ECHO_SAMPLE, 1, "two", [3], { four: 4 }, null];
  const results = await Promise.all(values.map((v) => s.start("qb.echo", v).result));
  results.forEach((r, i) => expect(sameJson(r, values[i]), `call ${i} got ${JSON.stringify(r).slice(0, 100)}`));
  return pass(`${values.length} interleaved calls each got their own value back`);
});

export const sessionErrorCheck = sessionCheck(
  "session.error",
  "a method that throws answers an error (FAILED, message, stack); the stream goes on",
  ["qb.fail", "qb.echo"],
  async (t, s) => {
    const message = `conformance failure ${uniqueTag("m")}`;
    const r = await settle(s.start("qb.fail", { message }).result);
    expect(r.error instanceof RemoteCallError, `expected an error, got ${r.error ? describeError(r.error) : "a result"}`);
    expect(r.error.code === "FAILED" && r.error.message === message, `expected FAILED ${JSON.stringify(message)}, got ${describeError(r.error)}`);
    expect(r.error.details.trim() !== "", "details is empty: it should carry the stack");
    const after = await s.start("qb.echo", "after").result;
    expect(after === "after", `the next call on the stream got ${JSON.stringify(after)}`);
    await stillServes(t);
    return pass(`FAILED with its message and stack; the same stream served the next call`);
  },
);

export const sessionCancelCheck = sessionCheck(
  "session.cancel",
  `cancel ends the call with CANCELLED and fires its abort signal, within ${ABORT_WITHIN_MS} ms`,
  ["qb.sleep", "qb.aborted"],
  async (t, s) => {
    const tag = uniqueTag("scancel");
    const call = s.start("qb.sleep", { ms: 10_000, tag });
    await sleep(150);
    const cancelledAt = Date.now();
    call.cancel("conformance");
    const r = await settle(call.result);
    const ended = Date.now() - cancelledAt;
    expect(
      r.error instanceof RemoteCallError && r.error.code === "CANCELLED",
      `expected error CANCELLED, got ${r.error ? describeError(r.error) : "a result"}`,
    );
    expect(ended <= ABORT_WITHIN_MS, `the call ended ${ended} ms after the cancel`);
    expect(!r.error.retryable, "CANCELLED must not be retryable");
    const seen = await abortSeen(t, tag, cancelledAt, cancelledAt + ABORT_WITHIN_MS);
    expect(seen, `the method's abort signal had not fired ${ABORT_WITHIN_MS} ms after the cancel`);
    return pass(`ended ${ended} ms after the cancel; abort signal fired after ${seen.afterMs} ms`);
  },
);

export const sessionDeadlineCheck = sessionCheck(
  "session.deadline",
  "a call past timeout_ms ends with DEADLINE_EXCEEDED (retryable) and its abort signal fires",
  ["qb.sleep"],
  async (t, s) => {
    const tag = uniqueTag("sdeadline");
    const start = Date.now();
    const r = await settle(s.start("qb.sleep", { ms: 10_000, tag }, { timeoutMs: DEADLINE_MS }).result);
    const took = Date.now() - start;
    expect(
      r.error instanceof RemoteCallError && r.error.code === "DEADLINE_EXCEEDED",
      `expected DEADLINE_EXCEEDED, got ${r.error ? describeError(r.error) : "a result"}`,
    );
    expect(took >= DEADLINE_MS - 5 && took <= DEADLINE_MS + ABORT_WITHIN_MS, `the call ended after ${took} ms with timeout_ms ${DEADLINE_MS}`);
    expect(r.error.retryable, "DEADLINE_EXCEEDED should be retryable");
    let fired = "";
    if (await t.has("qb.aborted")) {
      const seen = await abortSeen(t, tag, start + DEADLINE_MS, start + DEADLINE_MS + ABORT_WITHIN_MS);
      expect(seen, `the method's abort signal had not fired ${ABORT_WITHIN_MS} ms after the deadline`);
      fired = `; abort signal fired (reason ${seen.reason})`;
    }
    return pass(`ended after ${took} ms with timeout_ms ${DEADLINE_MS}${fired}`);
  },
);

export const sessionConcurrencyCheck = sessionCheck(
  "session.concurrency",
  `${CONCURRENT} calls in flight on one stream run at the same time`,
  ["qb.sleep"],
  async (t, s) => {
    const max = t.describe?.maxConcurrentCalls || 0;
    const n = max > 0 ? Math.min(max, CONCURRENT) : CONCURRENT;
    const start = Date.now();
    const results = await Promise.all(Array.from({ length: n }, () => settle(s.start("qb.sleep", { ms: CONCURRENT_SLEEP_MS }).result)));
    const took = Date.now() - start;
    const bad = results.find((r) => r.error !== undefined || (r.value as { slept?: unknown })?.slept !== CONCURRENT_SLEEP_MS);
    expect(bad === undefined, `a call failed: ${bad?.error ? describeError(bad.error) : JSON.stringify(bad?.value)}`);
    expect(took < CONCURRENT_SLEEP_MS * 3, `${n} sleeps of ${CONCURRENT_SLEEP_MS} ms took ${took} ms: they did not run at the same time`);
    return pass(`${n} sleeps of ${CONCURRENT_SLEEP_MS} ms on one stream ran at once in ${took} ms`);
  },
);

export const sessionHeldCheck = sessionCheck(
  "session.held",
  "a held call yields, awaits a signal, resumes with its state, twice (qb.held)",
  ["qb.held"],
  async (_t, s) => {
    const signals = [5, 7];
    const yields: Array<{ value: Value; round: number }> = [];
    const awaiting: string[] = [];
    const counts: Array<[number, number]> = [];
    const call = s.start(
      "qb.held",
      { rounds: 2 },
      {
        onYield: (value, round) => yields.push({ value, round }),
        onAwaiting: (name, round, taken) => {
          awaiting.push(name);
          counts.push([round, taken]);
          const v = signals[awaiting.length - 1];
          if (v !== undefined) call.signal(name, v);
        },
      },
    );
    const r = await settle(call.result);
    expect(r.error === undefined, `the held call failed: ${describeError(r.error)}`);
    const order = call.messages.map((m: SessionOutMsg) => m.msg).join(",");
    expect(
      order.replace(/progress,?/g, "") === "yielded,awaiting,yielded,awaiting,result",
      `messages came as ${order}; expected yielded, awaiting, yielded, awaiting, result`,
    );
    expect(
      awaiting.every((a) => a === "next"),
      `awaited ${awaiting.join(", ")}, expected "next"`,
    );
    // the quarterback ends loops by these counts: a call awaiting with all it was sent taken is blocked
    expect(
      counts.every(([round, taken], i) => round === i && taken === i),
      `awaiting said (round, taken) ${JSON.stringify(counts)}; expected [0,0] then [1,1]: the signal values taken so far`,
    );
    const y = yields.map((x) => x.value as { nonce?: string; count?: number; total?: number });
    expect(y[0]?.count === 1 && y[0]?.total === 0 && yields[0]?.round === 0, `first yield ${JSON.stringify(yields[0])}: expected count 1, total 0, round 0`);
    expect(y[1]?.count === 2 && y[1]?.total === 5 && yields[1]?.round === 1, `second yield ${JSON.stringify(yields[1])}: expected count 2, total 5, round 1`);
    const res = r.value as { nonce?: string; yields?: number; signals?: number; total?: number };
    expect(res?.yields === 2 && res.signals === 2 && res.total === 12, `result ${JSON.stringify(res)}: expected 2 yields, 2 signals, total 12`);
    expect(
      typeof res.nonce === "string" && y[0]?.nonce === res.nonce && y[1]?.nonce === res.nonce,
      "the nonce changed between yields: the state did not stay in one call's memory",
    );
    return pass("yielded (count 1), awaited, got 5, yielded (count 2, total 5), awaited, got 7, returned total 12; one nonce throughout");
  },
);

async function strayFor(s: SessionClient, id: string, ms: number): Promise<SessionOutMsg[]> {
  const until = Date.now() + ms;
  for (;;) {
    const found = s.stray.filter((m) => m.callId === id);
    if (found.some((m) => m.msg === "result" || m.msg === "error") || Date.now() >= until) return found;
    await sleep(5);
  }
}

export const sessionMalformedCheck = sessionCheck(
  "session.malformed",
  "malformed Session messages are refused per call, and garbage bytes end only their stream",
  [],
  async (t, s) => {
    const notes: string[] = [];
    // a start without a method
    s.send({ callId: "m-empty", start: { method: "", input: { json: "1" }, timeoutMs: 0, attempt: 1 } });
    const empty = await strayFor(s, "m-empty", 3_000);
    expect(
      empty.some((m) => m.msg === "error"),
      "a start without a method got no error",
    );
    notes.push(`no method: ${empty.find((m) => m.msg === "error")?.error?.code.replace("ERROR_CODE_", "")}`);
    // input that is not JSON
    if (await t.has("qb.echo")) {
      s.send({ callId: "m-json", start: { method: "qb.echo", input: { json: "{not json" }, timeoutMs: 0, attempt: 1 } });
      const bad = await strayFor(s, "m-json", 3_000);
      const err = bad.find((m) => m.msg === "error")?.error;
      expect(err && fromWireCode(err.code) === "INVALID_ARGUMENT", `input that is not JSON got ${JSON.stringify(bad)}`);
      notes.push("not JSON: INVALID_ARGUMENT");
    }
    // signal and cancel for a call that does not exist: ignored
    s.send({ callId: "m-ghost", signal: { name: "x", value: { json: "1" }, end: false } });
    s.send({ callId: "m-ghost", cancel: { reason: "none" } });
    // a message with nothing set
    s.send({ callId: "m-none" });
    // a call id used twice while live: the second start is refused, the first goes on
    if (await t.has("qb.sleep")) {
      s.send({ callId: "m-dup", start: { method: "qb.sleep", input: { json: '{"ms":200}' }, timeoutMs: 0, attempt: 1 } });
      s.send({ callId: "m-dup", start: { method: "qb.sleep", input: { json: '{"ms":200}' }, timeoutMs: 0, attempt: 1 } });
      const until = Date.now() + 3_000;
      let dup: SessionOutMsg[] = [];
      while (Date.now() < until) {
        dup = s.stray.filter((m) => m.callId === "m-dup");
        if (dup.some((m) => m.msg === "result")) break;
        await sleep(5);
      }
      expect(
        dup.some((m) => m.msg === "error"),
        "a duplicate live call id was not refused",
      );
      expect(
        dup.some((m) => m.msg === "result"),
        "after a duplicate call id, the first call did not finish",
      );
      notes.push(`duplicate id: ${dup.find((m) => m.msg === "error")?.error?.code.replace("ERROR_CODE_", "")}, first call finished`);
    }
    if (await t.has("qb.echo")) {
      const v = await s.start("qb.echo", "still here").result;
      expect(v === "still here", `the stream no longer works: qb.echo gave ${JSON.stringify(v)}`);
    }
    // garbage bytes on a stream of their own
    const raw = new grpc.Client(t.address, grpc.credentials.createInsecure());
    const stream = raw.makeBidiStreamRequest(
      "/quarterback.v1.Worker/Session",
      (b: Buffer) => b,
      (b: Buffer) => b,
      { deadline: Date.now() + 5_000 },
    );
    const status = new Promise<grpc.StatusObject>((resolve) => stream.on("status", resolve));
    stream.on("error", () => undefined);
    stream.on("data", () => undefined);
    stream.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0b, 0x0f]));
    const st = await status;
    raw.close();
    expect(st.code !== grpc.status.OK && st.code !== grpc.status.DEADLINE_EXCEEDED, `garbage bytes on a Session stream gave status ${grpc.status[st.code]}`);
    notes.push(`garbage bytes: stream ended with ${grpc.status[st.code]}`);
    await stillServes(t);
    return pass(`${notes.join("; ")}; still serving`);
  },
);

export const sessionOversizedCheck = sessionCheck("session.oversized", "a Session message over the limit ends that stream only", [], async (t, s) => {
  const size = t.maxMessageBytes + 64 * 1024;
  const call = s.start((await t.has("qb.echo")) ? "qb.echo" : "qb.no-such-method", "x".repeat(size));
  const r = await settle(call.result);
  expect(r.error !== undefined, `a ${size}-byte message over the ${t.maxMessageBytes}-byte limit was accepted`);
  const st = await within(s.closed, 5_000, null);
  expect(st === null || st.code !== grpc.status.OK || r.error instanceof RemoteCallError, "the stream ended OK without refusing the message");
  const detail = r.error instanceof RemoteCallError ? `error ${r.error.code}` : `stream ended with ${st ? grpc.status[st.code] : "?"}`;
  if (await t.has("qb.echo")) {
    const s2 = t.client.session();
    try {
      expect((await s2.start("qb.echo", 1).result) === 1, "a new session does not work after the oversized message");
    } finally {
      s2.cancel();
    }
  }
  await stillServes(t);
  return pass(`${(size / 1048576).toFixed(2)} MiB refused (${detail}); a new stream works; still serving`);
});

const BATCHED_CALLS = 64;

export const sessionBatchesCheck: Check = {
  name: "session.batches",
  about:
    "a worker that says session_batches reads a batched frame: each call in it gets its own answer, and a cancel after a start in the same frame cancels it",
  async run(t) {
    if (!t.speaksSession) return skip(t.describe ? "the worker does not speak Session (Describe says so)" : "no Describe, so no Session");
    if (t.describe?.sessionBatches !== true) return skip("the worker does not read batched frames (Describe's session_batches is not set)");
    const missing = await needs(t, "qb.echo", "qb.sleep");
    if (missing) return missing;
    const s = t.client.session({ batches: true });
    let frames = 0;
    let batched = 0;
    s.stream.on("data", (f: SessionOutMsg) => {
      frames++;
      if (f.batch?.length) batched++;
    });
    try {
      // started in one turn: one frame (frame-batcher.ts), the cancel after its start
      // one slot left for the sleeper: the echoes all start before any of them is answered
      const n = Math.max(1, Math.min(BATCHED_CALLS, (t.describe.maxConcurrentCalls || Infinity) - 1));
      const values: Value[] = Array.from({ length: n }, (_, i) => ({ i, s: "é".repeat(i % 5) }));
      const echoes = values.map((v) => s.start("qb.echo", v).result);
      const sleeper = s.start("qb.sleep", { ms: 10_000, tag: uniqueTag("sbatch") });
      sleeper.cancel("conformance");
      const results = await within(Promise.all(echoes), 10_000, "timeout" as const);
      expect(results !== "timeout", `the ${n} calls of one batched frame were not all answered within 10 s`);
      results.forEach((r, i) => expect(sameJson(r, values[i]), `call ${i} of the frame got ${JSON.stringify(r).slice(0, 100)}`));
      const r = await within(settle(sleeper.result), ABORT_WITHIN_MS + 1_000, "timeout" as const);
      expect(r !== "timeout", "a cancel in the same frame as its start was not answered");
      expect(
        r.error instanceof RemoteCallError && r.error.code === "CANCELLED",
        `a start then its cancel in one frame: expected CANCELLED, got ${r.error ? describeError(r.error) : "a result"}`,
      );
      return pass(`${n + 1} calls in one frame answered in ${frames} frames (${batched} of them batched); the cancel in the same frame took`);
    } finally {
      s.cancel();
    }
  },
};
