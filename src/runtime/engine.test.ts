import { describe, expect, it } from "vitest";
import { compile } from "../dsl/compile.js";
import type { FlowIR } from "../ir/types.js";
import type { Dispatcher } from "./dispatcher.js";
import { CallFailedError, RunCancelledError } from "./errors.js";
import { RunEvents, type RunEvent } from "./events.js";
import { runEngine } from "./engine.js";
import { fakeDispatcher, type FakeDispatcher } from "./fake-held.js";

function ir(text: string): FlowIR {
  const r = compile(text);
  if (!r.ir) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.ir;
}
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

/** `p`, or a rejection saying it did not settle within `ms`. */
const within = <T>(ms: number, p: Promise<T>): Promise<T> => Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`still running after ${ms} ms`)))]);

/** An in-process dispatcher: methods are plain functions. */
const fake = (methods: Parameters<typeof fakeDispatcher>[0]): FakeDispatcher => fakeDispatcher(methods);

describe("runEngine", () => {
  it("fans out, reduces tree-shaped and emits", async () => {
    const f = ir(`flow pi(n: int = 40) {
  worker w { run "x" replicas 2 }
  xs = range(n)
  sq = xs | w.square(v: item) parallel 8
  total = sq | reduce w.add parallel 4
  emit total, sq
}`);
    const d = fake({ square: ({ v }) => v * v, add: ({ left, right }) => left + right });
    const r = await runEngine(f, { dispatcher: d });
    expect(r.result.total).toEqual([Array.from({ length: 40 }, (_, i) => i * i).reduce((a, b) => a + b)]);
    expect(r.result.sq).toHaveLength(40);
    expect(d.calls.filter((c) => c.method === "add")).toHaveLength(39);
    expect(r.stats.find((s) => s.step === "sq")).toMatchObject({ callsDone: 40, emitted: 40, state: "done", inFlight: 0 });
  });

  it("tees a step to two readers and merges them back", async () => {
    const f = ir(`flow t() {
  worker w { run "x" }
  a = [1, 2, 3]
  b = a | w.neg
  c = a | w.dbl ordered
  m = merge(b, c)
  emit m, c
}`);
    const r = await runEngine(f, { dispatcher: fake({ neg: (x) => -x, dbl: (x) => 2 * x }) });
    expect(r.result.c).toEqual([2, 4, 6]);
    expect([...r.result.m!].sort()).toEqual([-1, -2, -3, 2, 4, 6].sort());
  });

  it("retries with backoff, then fails the run naming step, worker, method and input", async () => {
    const f = ir(`flow r() {
  worker w { run "x" }
  s = [1, 2, 3] | w.f(x: item) retry 2 backoff 1ms
  emit s
}`);
    let tries = 0;
    const events = new RunEvents();
    const seen: RunEvent[] = [];
    events.on("event", (e) => seen.push(e));
    const run = runEngine(f, {
      events,
      dispatcher: fake({
        f: ({ x }) => {
          if (x === 2) {
            tries++;
            throw new Error("flaky");
          }
          return x;
        },
      }),
    });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallFailedError);
    expect((err as Error).message).toBe('step `s`: w.f, attempt 3/3, input {"x":2}: flaky');
    expect(tries).toBe(3);
    expect(seen.filter((e) => e.type === "call.retried")).toHaveLength(2);
    expect(seen.at(-1)!.type).toBe("run.failed");
  });

  it("retries a dispatcher that throws instead of rejecting, and succeeds", async () => {
    const f = ir(`flow r() {\n  worker w { run "x" }\n  s = [1, 2] | w.f retry 1 backoff 1ms\n  emit s\n}`);
    let thrown = 0;
    const dispatcher: Dispatcher = {
      call(req) {
        if (req.attempt === 1) {
          thrown++;
          throw new Error("no replica yet");
        }
        return Promise.resolve(req.input);
      },
    };
    const r = await runEngine(f, { dispatcher });
    expect([...r.result.s!].sort()).toEqual([1, 2]);
    expect(thrown).toBe(2);
    expect(r.stats[0]).toMatchObject({ callsStarted: 4, callsDone: 2, retries: 2, inFlight: 0 });
  });

  it("does not retry an error marked not retryable", async () => {
    const f = ir(`flow r() {\n  worker w { run "x" }\n  s = [1] | w.nope retry 5 backoff 1ms\n  emit s\n}`);
    const d = fake({});
    await expect(runEngine(f, { dispatcher: d })).rejects.toThrow("unknown method nope");
    expect(d.calls).toHaveLength(1);
  });

  it("skips failed items with on error skip and reports them", async () => {
    const f = ir(`flow s() {\n  worker w { run "x" }\n  s = range(6) | w.f on error skip\n  emit s\n}`);
    const events = new RunEvents();
    const failed: RunEvent[] = [];
    events.on("event", (e) => e.type === "call.failed" && failed.push(e));
    const r = await runEngine(f, {
      events,
      dispatcher: fake({
        f: (x) => {
          if (x % 3 === 0) throw new Error(`bad ${x}`);
          return x;
        },
      }),
    });
    expect([...r.result.s!].sort()).toEqual([1, 2, 4, 5]);
    expect(failed.map((e) => e.type === "call.failed" && e.skipped)).toEqual([true, true]);
  });

  it("cancels every call in flight when one fails", async () => {
    const f = ir(`flow c() {\n  worker w { run "x" }\n  s = range(32) | w.f parallel 32\n  emit s\n}`);
    let aborted = 0;
    const t0 = Date.now();
    const run = runEngine(f, {
      dispatcher: fake({
        f: async (x, req) => {
          if (x === 7) {
            await sleep(20);
            throw new Error("boom");
          }
          await sleep(10_000, req.signal).catch((e: unknown) => {
            aborted++;
            throw e;
          });
          return x;
        },
      }),
    });
    await expect(run).rejects.toThrow("boom");
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(aborted).toBe(31);
  });

  it("enforces the per-call timeout, even against a call that ignores cancellation", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [1] | w.slow timeout 50ms\n  emit s\n}`);
    const t0 = Date.now();
    await expect(runEngine(f, { dispatcher: fake({ slow: () => new Promise(() => undefined) }) })).rejects.toThrow("timed out after 50 ms");
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("names the replica a call was on when it times out", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" replicas 2 }\n  s = [1] | w.slow timeout 50ms\n  emit s\n}`);
    const d = fake({
      slow: (_x, req) => {
        req.placed?.(1);
        return new Promise(() => undefined);
      },
    });
    await expect(runEngine(f, { dispatcher: d })).rejects.toThrow("step `s`: w.slow on replica 1, attempt 1/1, input 1: timed out after 50 ms");
  });

  it("take stops reading, and memory stays bounded by the channels", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = range(1000000) | w.f parallel 4 | take 5\n  emit s\n}`);
    const d = fake({ f: (x) => x });
    const r = await runEngine(f, { dispatcher: d, channelCapacity: 8 });
    expect(r.result.s).toHaveLength(5);
    expect(d.calls.length).toBeLessThan(100);
  });

  it("a call's deadline starts when the dispatcher places it, not while it waits for a slot", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [1, 2] | w.f timeout 200ms\n  emit s\n}`);
    // queued 150 ms for a slot, then 150 ms of work: 300 ms in all, but within its 200 ms
    // once placed (and the wait within its own budget)
    const queued: Dispatcher = {
      reportsPlacement: true,
      call: async (req) => {
        await sleep(150);
        req.placed?.(0);
        await sleep(150, req.signal);
        return req.input;
      },
    };
    const r = await runEngine(f, { dispatcher: queued });
    expect(r.result.s!.sort()).toEqual([1, 2]);
    // a call that never gets a slot times out all the same, after as long again
    const stuck: Dispatcher = {
      reportsPlacement: true,
      call: (req) => new Promise((_, reject) => req.signal.addEventListener("abort", () => reject(req.signal.reason))),
    };
    await expect(runEngine(f, { dispatcher: stuck })).rejects.toThrow(/timed out after 200 ms waiting for a free slot/);
    // a dispatcher that does not say where it placed a call: the deadline runs from the start
    const unplaced: Dispatcher = { call: async (req) => (await sleep(300, req.signal), req.input) };
    await expect(runEngine(f, { dispatcher: unplaced })).rejects.toThrow(/timed out after 200 ms/);
  });

  it("a call refused for want of a free slot waits and goes again without using up an attempt", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [1, 2] | w.f\n  emit s\n}`);
    const tries = new Map<number, number[]>();
    const d = fake({
      f: (x: number, req) => {
        const seen = [...(tries.get(x) ?? []), req.attempt];
        tries.set(x, seen);
        // busy three times, then free
        if (seen.length <= 3) throw Object.assign(new Error("all 1 call slots are busy"), { retryable: true, refused: true });
        return x;
      },
    });
    const r = await runEngine(f, { dispatcher: d });
    expect(r.result.s!.sort()).toEqual([1, 2]);
    // no retry was allowed, and none was used: every try was attempt 1
    expect(tries.get(1)).toEqual([1, 1, 1, 1]);
    expect(r.stats.find((x) => x.step === "s")).toMatchObject({ callsStarted: 2, callsDone: 2, retries: 0 });
  });

  it("a timeout longer than a Node timer holds (30d) does not end the call at once", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [1, 2] | w.f timeout 30d\n  emit s\n}`);
    const r = await runEngine(f, { dispatcher: fake({ f: (x) => sleep(30).then(() => x) }) });
    expect(r.result.s).toEqual([1, 2]);
  });

  it("stops when the outer signal fires", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = range(100) | w.f parallel 4\n  emit s\n}`);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("interrupted")), 20);
    await expect(runEngine(f, { signal: ac.signal, dispatcher: fake({ f: (x, req) => sleep(1000, req.signal).then(() => x) }) })).rejects.toThrow(
      "interrupted",
    );
  });

  it("reports a run the caller stopped as cancelled, and each step it stopped as cancelled, not failed", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  a = range(100) | w.f parallel 4\n  b = a | w.f\n  emit b\n}`);
    const ac = new AbortController();
    const events = new RunEvents();
    const seen: RunEvent[] = [];
    events.on("event", (e) => seen.push(e));
    setTimeout(() => ac.abort(new RunCancelledError("interrupted")), 20);
    await expect(runEngine(f, { signal: ac.signal, events, dispatcher: fake({ f: (x, req) => sleep(1000, req.signal).then(() => x) }) })).rejects.toThrow(
      "run cancelled: interrupted",
    );
    const ends = seen.filter((e) => e.type.startsWith("step.") && e.type !== "step.started").map((e) => `${e.type} ${(e as { step: string }).step}`);
    expect(ends.sort()).toEqual(["step.cancelled a", "step.cancelled b"]);
    expect(seen.at(-1)).toMatchObject({ type: "run.cancelled", reason: "run cancelled: interrupted" });
    // stopped from outside with another error (a worker's fatal report): the run failed
    const other = new AbortController();
    const seen2: RunEvent[] = [];
    const events2 = new RunEvents();
    events2.on("event", (e) => seen2.push(e));
    setTimeout(() => other.abort(new Error("fatal report")), 20);
    await expect(
      runEngine(f, { signal: other.signal, events: events2, dispatcher: fake({ f: (x, req) => sleep(1000, req.signal).then(() => x) }) }),
    ).rejects.toThrow("fatal report");
    expect(seen2.at(-1)!.type).toBe("run.failed");
  });

  it("reports the step that failed as failed, and the steps its failure stopped as cancelled", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  a = range(100) | w.slow parallel 4\n  bad = [1] | w.fail\n  emit a, bad\n}`);
    const events = new RunEvents();
    const seen: RunEvent[] = [];
    events.on("event", (e) => seen.push(e));
    const d = fake({
      slow: (x, req) => sleep(1000, req.signal).then(() => x),
      fail: async () => {
        await sleep(20);
        throw Object.assign(new Error("boom"), { retryable: false });
      },
    });
    await expect(runEngine(f, { events, dispatcher: d })).rejects.toThrow("boom");
    const ends = seen.filter((e) => e.type === "step.failed" || e.type === "step.cancelled").map((e) => `${e.type} ${(e as { step: string }).step}`);
    expect(ends.sort()).toEqual(["step.cancelled a", "step.failed bad"]);
    expect(seen.at(-1)!.type).toBe("run.failed");
  });

  it("stops when the outer signal fires, even while calls ignore their cancellation", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = range(100) | w.f parallel 4\n  emit s\n}`);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("interrupted")), 20);
    const run = runEngine(f, { signal: ac.signal, dispatcher: fake({ f: () => new Promise(() => undefined) }) });
    await expect(within(500, run)).rejects.toThrow("interrupted");
  });

  it("a failure elsewhere stops a reduce whose combinations ignore their cancellation", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = range(10) | reduce w.add\n  bad = [1] | w.fail\n  emit s, bad\n}`);
    const d = fake({
      add: () => new Promise(() => undefined),
      fail: async () => {
        await sleep(20);
        throw Object.assign(new Error("boom"), { retryable: false });
      },
    });
    await expect(within(500, runEngine(f, { dispatcher: d }))).rejects.toThrow("boom");
  });

  it("fails a step whose argument expression fails, naming the item", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  s = [{a: 1}, {b: 2}] | w.f | w.g(x: item.a)\n  emit s\n}`);
    await expect(runEngine(f, { dispatcher: fake({ f: (x) => x, g: (x) => x }) })).rejects.toThrow(/no field `a`.*item \{"b":2\}/);
  });

  it("take 0 releases its upstream at once instead of leaving it blocked on a full channel", async () => {
    const f = ir(`flow t() {\n  worker w { run "x" }\n  xs = range(1000) | w.f\n  none = xs | take 0\n  emit none\n}`);
    const d = fake({ f: (x) => x });
    const r = await Promise.race([runEngine(f, { dispatcher: d, channelCapacity: 8 }), sleep(3000).then(() => "hung" as const)]);
    expect(r).not.toBe("hung");
    expect(r === "hung" ? undefined : r.result.none).toEqual([]);
  });

  it("a step that ends without reading all of its input (take 0 behind another stage) releases its upstream", async () => {
    const f = ir(
      `flow t() {\n  worker w { run "x" }\n  xs = range(1000) | w.f\n  ys = range(1000) | w.f\n  none = xs | flatten | take 0\n  also = merge(xs, ys) | reduce w.add | take 0\n  emit none, also\n}`,
    );
    const d = fake({ f: (x) => x, add: ({ left, right }) => left + right });
    const r = await Promise.race([runEngine(f, { dispatcher: d, channelCapacity: 8 }), sleep(3000).then(() => "hung" as const)]);
    expect(r).not.toBe("hung");
  });
});
