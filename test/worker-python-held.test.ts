/**
 * The Python worker library (examples/workers/python/qb_worker.py) over Session, beyond what
 * `qb worker test` checks: held methods as generators, signals queued per name, Awaiting's
 * round and taken, the end of a signal, cancel / deadline / a broken stream waking a method
 * blocked in call.signal, half-close, max_concurrent_calls, pond queries through
 * QB_CALLBACK; and kmeans.py's held assign driven by hand against a fake pond.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Land } from "../src/land/land.js";
import type { LandRef } from "../src/land/ref.js";
import { isSpilledValue, spillValue } from "../src/land/spilled-value.js";
import { serveCallback, type CallbackServer } from "../src/proto/callback-server.js";
import type { PondQueryRequestMsg } from "../src/proto/messages.js";
import { PondRequestError } from "../src/proto/pond-request-error.js";
import { RemoteCallError } from "../src/client/errors.js";
import type { SessionClient } from "../src/client/session-client.js";
import type { Value } from "../src/worker/types.js";
import { PYTHON, pythonReady, startWorker, warnPythonSkipped, type RunningWorker } from "./worker-fixtures/helpers.js";

const FIXTURE = `${PYTHON} test/worker-fixtures/python_held_worker.py`;

async function until<T>(get: () => T | undefined | null | false, ms = 3_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function failure(p: Promise<Value>): Promise<RemoteCallError> {
  const e = await p.then(
    (v) => new Error(`expected an error, got ${JSON.stringify(v)}`),
    (err: unknown) => err,
  );
  if (!(e instanceof RemoteCallError)) throw e;
  return e;
}

/** Points of a fake pond: shard -> rows in id order. */
const POINTS: Record<number, Array<{ x: number; y: number }>> = {
  1: [
    { x: 0, y: 0 },
    { x: 1, y: 0 },
    { x: 9, y: 9 },
    { x: 10, y: 8.5 },
    { x: 0.5, y: 0.25 },
  ],
  2: [{ x: -3, y: 4 }],
};

describe.skipIf(!pythonReady)("Python held calls (qb_worker.py over Session)", () => {
  warnPythonSkipped("the Python held-call tests");
  let w: RunningWorker;
  let small: RunningWorker;
  let callback: CallbackServer;
  const queries: PondQueryRequestMsg[] = [];
  let s: SessionClient;

  beforeAll(async () => {
    callback = await serveCallback({
      report: () => ({ runCancelled: false }),
      async *pondQuery(req) {
        queries.push(req);
        if (req.sql.includes("bad")) throw new PondRequestError("syntax error near bad", "invalid");
        const all = POINTS[(JSON.parse(req.paramsJson) as { shard: number }).shard] ?? [];
        for (let i = 0; i < all.length; i += req.batchSize) yield all.slice(i, i + req.batchSize);
      },
    });
    [w, small] = await Promise.all([
      startWorker(FIXTURE, { QB_CALLBACK: callback.address, QB_WORKER_NAME: "hw", QB_REPLICA: "3" }),
      startWorker(FIXTURE, { MAX_CALLS: "2" }),
    ]);
    s = w.client.session();
  }, 30_000);

  afterAll(async () => {
    s?.cancel();
    await Promise.all([w?.stop(), small?.stop(), callback?.close()]);
  });

  it("Describe says which methods are held: generator functions and @held", async () => {
    const d = await w.client.describe();
    const held = Object.fromEntries(d.methods.map((m) => [m.name, m.held]));
    expect(held).toMatchObject({ sequence: true, collect: true, block: true, seen: false, rows: false, "qb.held": true, "qb.echo": false });
    expect(d.session).toBe(true);
    expect(d.sdk).toMatch(/^quarterback-py\//);
    expect(d.methods.find((m) => m.name === "sequence")?.description).toMatch(/^held: after wait_ms/);
  });

  it("a held method over Invoke is refused INVALID_ARGUMENT", async () => {
    const e = await failure(w.client.invoke("sequence", { names: [] }));
    expect(e.code).toBe("INVALID_ARGUMENT");
  });

  it("signals queue per name; awaiting says (round, taken); yields carry the round", async () => {
    const awaits: Array<[string, number, number]> = [];
    const rounds: number[] = [];
    const call = s.start(
      "sequence",
      { names: ["a", "b", "a", "a"], wait_ms: 200 },
      {
        onYield: (_v, round) => rounds.push(round),
        onAwaiting: (name, round, taken) => {
          awaits.push([name, round, taken]);
          call.signal(name, `${name}${taken + 1}`);
        },
      },
    );
    call.signal("a", "a1"); // queued before the method asks: taken without an awaiting
    expect(await call.result).toEqual({ got: ["a1", "b1", "a2", "a3"] });
    expect(awaits).toEqual([
      ["b", 1, 0],
      ["a", 2, 1],
      ["a", 3, 2],
    ]);
    expect(rounds).toEqual([0, 1, 2, 3]);
    expect(call.messages.map((m) => m.msg).join(",")).toBe("yielded,yielded,awaiting,yielded,awaiting,yielded,awaiting,result");
  });

  it("call.signals() ends when the signal ends; call.signal() after the end raises SignalEndedError", async () => {
    const c1 = s.start("collect", { name: "v" });
    c1.signal("v", 1);
    c1.signal("v", { two: 2 });
    c1.endSignal("v");
    expect(await c1.result).toEqual({ got: [1, { two: 2 }] });

    const c2 = s.start("collect", { name: "v", again: true });
    c2.endSignal("v");
    const e = await failure(c2.result);
    expect(e).toMatchObject({ code: "FAILED", retryable: false, remoteType: "SignalEndedError", message: 'signal "v" has ended: no more values will come' });
  });

  it("a spilled signal value reaches call.signal() as the value, and a result over the limit is spilled to the land", async () => {
    expect((await w.client.describe()).readsSpilledValues).toBe(true);
    const big = { s: "p".repeat(5 * 1024 * 1024) };
    const c = s.start("collect", { name: "v" });
    c.signal("v", await spillValue(new Land(w.land), JSON.stringify(big)));
    c.endSignal("v");
    const out = await c.result;
    expect(isSpilledValue(out)).toBe(true);
    expect(JSON.parse(readFileSync(join(w.land, (out as LandRef).path), "utf8"))).toEqual({ got: [big] });
  });

  it("a signal for a call that is not held is ignored; call.signal() in a plain method is NotHeldError", async () => {
    const c = s.start("qb.sleep", { ms: 100 });
    c.signal("x", 1);
    expect(await c.result).toEqual({ slept: 100 });
    const e = await failure(s.start("plain_signal", null).result);
    expect(e).toMatchObject({ code: "FAILED", retryable: false, remoteType: "NotHeldError" });
  });

  for (const [how, reason, code] of [
    ["cancel", "cancelled", "CANCELLED"],
    ["a deadline", "deadline", "DEADLINE_EXCEEDED"],
    ["a broken stream", "cancelled", null],
  ] as const) {
    it(`${how} wakes a method blocked in call.signal() and sets call.aborted`, async () => {
      const tag = `t-${Math.random()}`;
      const session = how === "a broken stream" ? w.client.session() : s;
      const call = session.start("block", { tag }, how === "a deadline" ? { timeoutMs: 300 } : {});
      await until(() => call.messages.some((m) => m.msg === "awaiting"));
      const at = Date.now();
      if (how === "cancel") call.cancel("test");
      if (how === "a broken stream") session.cancel();
      if (code) {
        const e = await failure(call.result);
        expect(e.code).toBe(code);
        expect(e.retryable).toBe(code === "DEADLINE_EXCEEDED");
        expect(Date.now() - at).toBeLessThan(how === "cancel" ? 100 : 400);
      }
      // what the method saw, asked over Invoke once it has run its except block
      let got: Value = null;
      const end = Date.now() + 2_000;
      while (got === null && Date.now() < end) {
        got = await w.client.invoke("seen", { tag });
        if (got === null) await new Promise((r) => setTimeout(r, 10));
      }
      expect(got).toEqual({ reason, aborted: true, code: reason === "deadline" ? "DEADLINE_EXCEEDED" : "CANCELLED" });
    });
  }

  it("SIGTERM wakes a method blocked in call.signal(): the call answers UNAVAILABLE and the worker exits 0", async () => {
    const doomed = await startWorker(FIXTURE);
    try {
      const session = doomed.client.session();
      const call = session.start("block", { tag: "shutdown" });
      await until(() => call.messages.some((m) => m.msg === "awaiting"));
      doomed.proc.signal("SIGTERM");
      const e = await failure(call.result);
      expect(e).toMatchObject({ code: "UNAVAILABLE", retryable: true });
      expect(await doomed.proc.exited).toMatchObject({ code: 0 });
    } finally {
      await doomed.stop();
    }
  });

  it("half-closed, the stream ends with status OK once its live calls answered", async () => {
    const session = w.client.session();
    const call = session.start("qb.sleep", { ms: 200 });
    session.end();
    expect(await call.result).toEqual({ slept: 200 });
    expect((await session.closed).code).toBe(0);
  });

  it("beyond max_concurrent_calls a call is refused RESOURCE_EXHAUSTED, retryable, CapacityError (Session and Invoke)", async () => {
    const session = small.client.session();
    try {
      const busy = [session.start("qb.sleep", { ms: 500 }), session.start("qb.sleep", { ms: 500 })];
      await new Promise((r) => setTimeout(r, 100));
      const e = await failure(session.start("qb.echo", 1).result);
      expect(e).toMatchObject({ code: "RESOURCE_EXHAUSTED", retryable: true, remoteType: "CapacityError" });
      const i = await failure(small.client.invoke("qb.echo", 1));
      expect(i).toMatchObject({ code: "RESOURCE_EXHAUSTED", retryable: true, remoteType: "CapacityError" });
      for (const b of busy) expect(await b.result).toEqual({ slept: 500 });
      expect(await session.start("qb.echo", 2).result).toBe(2); // the slots are free again
    } finally {
      session.cancel();
    }
  });

  it("call.pond_query asks QB_CALLBACK with the call's id and the worker's identity, and gathers the batches", async () => {
    const before = queries.length;
    const got = await s.start("rows", { sql: "SELECT x, y FROM points WHERE shard = :shard", params: { shard: 1 } }, { callId: "pq-1" }).result;
    expect(got).toEqual(POINTS[1]);
    expect(queries.slice(before)).toEqual([
      expect.objectContaining({
        sql: "SELECT x, y FROM points WHERE shard = :shard",
        paramsJson: '{"shard": 1}',
        callId: "pq-1",
        worker: "hw",
        replica: 3,
        batchSize: 1000,
      }),
    ]);
    const refused = await failure(s.start("rows", { sql: "SELECT bad" }).result);
    expect(refused).toMatchObject({ code: "FAILED", retryable: false, remoteType: "PondQueryError" });
    expect(refused.message).toContain("syntax error near bad");
    // without QB_CALLBACK there is no pond: not retryable either
    const none = await failure(small.client.invoke("rows", { sql: "SELECT 1" }));
    expect(none).toMatchObject({ code: "FAILED", retryable: false, remoteType: "PondQueryError" });
  });

  it("call.land is QB_LAND; call.land_path stays inside it", async () => {
    expect(await w.client.invoke("land", null)).toEqual({ land: w.land, path: join(w.land, "a", "b.txt") });
  });
});

describe.skipIf(!pythonReady)("examples/workers/python/kmeans.py: assign driven by hand", () => {
  let km: RunningWorker;
  let callback: CallbackServer;

  beforeAll(async () => {
    callback = await serveCallback({
      report: () => ({ runCancelled: false }),
      async *pondQuery(req) {
        yield POINTS[(JSON.parse(req.paramsJson) as { shard: number }).shard] ?? [];
      },
    });
    km = await startWorker(`${PYTHON} examples/workers/python/kmeans.py`, { QB_CALLBACK: callback.address });
  }, 30_000);

  afterAll(async () => {
    await Promise.all([km?.stop(), callback?.close()]);
  });

  it("loads its shard once, yields the sums of every round, returns when the signal ends; loads count in the land", async () => {
    const s = km.client.session();
    try {
      const rounds: Array<{ value: Value; round: number }> = [];
      const signals = [
        {
          centroids: [
            [0, 0],
            [10, 10],
          ],
          rounds_run: 0,
        },
        {
          centroids: [
            [0.5, 0.125],
            [9.5, 8.75],
          ],
          rounds_run: 1,
        },
        {
          centroids: [
            [9.5, 8.75],
            [0.5, 0.125],
          ],
          rounds_run: 2,
        },
      ];
      const awaiting: Array<[number, number]> = [];
      const call = s.start(
        "assign",
        { shard: 1 },
        {
          onYield: (value, round) => rounds.push({ value, round }),
          onAwaiting: (name, round, taken) => {
            expect(name).toBe("centroids");
            awaiting.push([round, taken]);
            const next = signals[taken];
            if (next) call.signal("centroids", next);
            else call.endSignal("centroids");
          },
        },
      );
      expect(await call.result).toEqual({ shard: 1, points: 5 });
      expect(awaiting).toEqual([
        [0, 0],
        [1, 1],
        [2, 2],
        [3, 3],
      ]);
      expect(rounds.map((r) => r.round)).toEqual([1, 2, 3]);
      const sums0 = [
        [0 + 1 + 0.5, 0 + 0 + 0.25, 3],
        [9 + 10, 9 + 8.5, 2],
      ];
      expect(rounds[0]!.value).toEqual({ shard: 1, sums: sums0, changed: 5, rounds_run: 0, centroids: signals[0]!.centroids, loads: 1 });
      expect(rounds[1]!.value).toMatchObject({ sums: sums0, changed: 0, rounds_run: 1 });
      // the clusters swap places: every point changes
      expect(rounds[2]!.value).toMatchObject({ sums: [sums0[1], sums0[0]], changed: 5, rounds_run: 2 });
      expect(
        readFileSync(join(km.land, "kmeans", "loads-1"), "utf8")
          .trim()
          .split("\n"),
      ).toHaveLength(1);

      // a second call on the same shard (a restart elsewhere) counts a second load
      const again = s.start("assign", { shard: 1 }, { onAwaiting: () => again.endSignal("centroids") });
      expect(await again.result).toEqual({ shard: 1, points: 5 });
      expect(
        readFileSync(join(km.land, "kmeans", "loads-1"), "utf8")
          .trim()
          .split("\n"),
      ).toHaveLength(2);
    } finally {
      s.cancel();
    }
  });

  it("initial, recenter and summary", async () => {
    expect(
      await km.client.invoke("initial", [
        { x: 1, y: 2 },
        { x: 3.5, y: -1 },
      ]),
    ).toEqual({
      centroids: [
        [1, 2],
        [3.5, -1],
      ],
      rounds_run: 0,
    });
    const parts = [
      {
        shard: 0,
        sums: [
          [2, 4, 2],
          [0, 0, 0],
        ],
        changed: 1,
        rounds_run: 3,
        centroids: [
          [0, 0],
          [9, 9],
        ],
        loads: 1,
      },
      {
        shard: 1,
        sums: [
          [1, 1, 1],
          [0, 0, 0],
        ],
        changed: 0,
        rounds_run: 3,
        centroids: [
          [0, 0],
          [9, 9],
        ],
        loads: 2,
      },
    ];
    expect(await km.client.invoke("recenter", { sums: parts, max_rounds: 10 })).toEqual([
      {
        centroids: [
          [1, 5 / 3],
          [9, 9],
        ],
        rounds_run: 4,
      },
    ]);
    expect(await km.client.invoke("recenter", { sums: parts, max_rounds: 3 })).toEqual([]);
    expect(await km.client.invoke("recenter", { sums: parts.map((p) => ({ ...p, changed: 0 })), max_rounds: 10 })).toEqual([]);
    expect(await km.client.invoke("summary", parts)).toEqual({
      centroids: [
        [0, 0],
        [9, 9],
      ],
      rounds_run: 3,
      shard_loads: 3,
      shards: 2,
    });
    expect((await failure(km.client.invoke("initial", []))).code).toBe("INVALID_ARGUMENT");
  });
});
