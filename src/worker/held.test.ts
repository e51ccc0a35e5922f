/** Held calls: yields, awaiting, signals, rounds, and state kept in one call's memory. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, until, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import { RemoteCallError } from "../client/errors.js";
import type { CallContext } from "./types.js";

let instances = 0;
let cleanups = 0;

const methods = {
  /** Two rounds: yield, await "add", and keep a running sum and counters in local variables. */
  accumulate: async function* (input: { start: number }, ctx: CallContext) {
    const instance = ++instances;
    let sum = input.start;
    let yields = 0;
    let signals = 0;
    try {
      for (let round = 0; round < 2; round++) {
        yields++;
        yield { instance, yields, signals, sum };
        const v = await ctx.signal<number>("add");
        signals++;
        sum += v;
      }
      return { instance, yields, signals, sum };
    } finally {
      cleanups++;
    }
  },
  /** Sums every value of signal "x" until the quarterback ends it. */
  drain: async function* (_input: unknown, ctx: CallContext) {
    let total = 0;
    let count = 0;
    for await (const v of ctx.signals<number>("x")) {
      total += v;
      count++;
      yield { count, total };
    }
    return { count, total };
  },
  plainAsksForSignal: async (_input: unknown, ctx: CallContext) => ctx.signal("x"),
  /** Takes two values of "v" only after 50 ms: by then they are queued. */
  late: async function* (_input: unknown, ctx: CallContext) {
    await new Promise((r) => setTimeout(r, 50));
    return [await ctx.signal("v"), await ctx.signal("v")];
  },
};

let w: TestWorker;
beforeAll(async () => {
  w = await serveForTest(methods);
});
afterAll(() => w.close());

describe("held calls", () => {
  it("yields twice across two signals, keeping its in-memory state (counted, not assumed)", async () => {
    const s = w.client.session();
    const before = instances;
    const yields: Array<{ value: unknown; round: number }> = [];
    const awaited: string[] = [];
    const sent = [5, 7];
    let signalsSent = 0;
    const call = s.start(
      "accumulate",
      { start: 100 },
      {
        onYield: (value, round) => yields.push({ value, round }),
        onAwaiting: (name) => {
          awaited.push(name);
          call.signal(name, sent[signalsSent++]!);
        },
      },
    );
    const result = await call.result;
    // counted on the wire
    expect(yields).toHaveLength(2);
    expect(awaited).toEqual(["add", "add"]);
    expect(signalsSent).toBe(2);
    expect(call.messages.map((m) => m.msg)).toEqual(["yielded", "awaiting", "yielded", "awaiting", "result"]);
    // counted in the method: one instance, its counters and sum carried across the signals
    expect(instances - before).toBe(1);
    const instance = before + 1;
    expect(yields).toEqual([
      { value: { instance, yields: 1, signals: 0, sum: 100 }, round: 0 },
      { value: { instance, yields: 2, signals: 1, sum: 105 }, round: 1 },
    ]);
    expect(result).toEqual({ instance, yields: 2, signals: 2, sum: 112 });
    s.cancel();
  });

  it("signals sent before the method awaits them are queued in order, and no awaiting is sent for them", async () => {
    const s = w.client.session();
    const call = s.start("late", null);
    call.signal("v", "first");
    call.signal("v", "second");
    await expect(call.result).resolves.toEqual(["first", "second"]);
    expect(call.messages.map((m) => m.msg)).toEqual(["result"]);
    s.cancel();
  });

  it("many held calls on one stream keep separate state", async () => {
    const s = w.client.session();
    const calls = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => {
      const c = s.start("accumulate", { start: i * 1000 }, { onAwaiting: (name) => c.signal(name, i) });
      return c;
    });
    const results = (await Promise.all(calls.map((c) => c.result))) as Array<{ sum: number; instance: number }>;
    expect(results.map((r) => r.sum)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => i * 1000 + 2 * i));
    expect(new Set(results.map((r) => r.instance)).size).toBe(8);
    s.cancel();
  });

  it("ending a signal ends ctx.signals(); rounds count the signals taken", async () => {
    const s = w.client.session();
    const rounds: number[] = [];
    const call = s.start("drain", null, { onYield: (_v, round) => rounds.push(round) });
    for (const v of [1, 2, 3]) call.signal("x", v);
    call.endSignal("x");
    await expect(call.result).resolves.toEqual({ count: 3, total: 6 });
    expect(rounds).toEqual([1, 2, 3]);
    s.cancel();
  });

  it("cancel while awaiting a signal ends the call with CANCELLED and runs the method's finally", async () => {
    const s = w.client.session();
    const before = cleanups;
    const call = s.start("accumulate", { start: 0 });
    await until(() => call.messages.some((m) => m.msg === "awaiting"));
    call.cancel();
    await expect(call.result).rejects.toMatchObject({ code: "CANCELLED" });
    await until(() => cleanups === before + 1, 500, "the finally block");
    s.cancel();
  });

  it("a held method over Invoke is refused with INVALID_ARGUMENT", async () => {
    const e = (await w.client.invoke("accumulate", { start: 0 }).catch((x: unknown) => x)) as RemoteCallError;
    expect(e).toBeInstanceOf(RemoteCallError);
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toMatch(/held.*Session/);
  });

  it("ctx.signal in a plain method fails the call with NotHeldError", async () => {
    const s = w.client.session();
    const e = (await s.start("plainAsksForSignal", null).result.catch((x: unknown) => x)) as RemoteCallError;
    expect(e.remoteType).toBe("NotHeldError");
    expect(e.retryable).toBe(false);
    s.cancel();
  });

  it("Describe marks held methods", async () => {
    const d = await w.client.describe();
    const held = Object.fromEntries(d.methods.map((m) => [m.name, m.held]));
    expect(held).toMatchObject({ accumulate: true, drain: true, late: true, plainAsksForSignal: false, "qb.held": true, "qb.echo": false });
    expect(d.session).toBe(true);
  });
});
