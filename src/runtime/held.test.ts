import { describe, expect, it } from "vitest";
import { compile } from "../dsl/compile.js";
import type { FlowIR, Json } from "../ir/types.js";
import { runEngine } from "./engine.js";
import { fakeDispatcher, type FakeHeldCtx } from "./fake-held.js";
import { compiled, loopFlow, recorder, scale, sleep, within } from "./test-flows.js";

const ir = (text: string): FlowIR => compiled(compile(text));

/** A loop: every held call yields item × signal for each signal; `next` stops after `stop` rounds. */
const LOOP = (extra = "", hold = "hold"): string => loopFlow({ start: "[1] | w.ident", xs: `[1, 2, 3] ${extra}`, h: `w.scale(f: item) ${hold}` });

/** The next signal: the round's sum, until `stop` rounds were made. */
const next = ({ lists, stop }: { lists: number[]; stop: number }): Json => {
  const n = (next.rounds = (next.rounds ?? 0) + 1);
  return n >= stop ? [] : [lists.reduce((a, b) => a + b, 0)];
};
next.rounds = 0 as number;

describe("held calls", () => {
  it("runs a loop round by round and ends it when nothing can send the signal any more", async () => {
    next.rounds = 0;
    const { events: ev, seen: events } = recorder();
    const d = fakeDispatcher({ ident: (x) => x, next }, { scale });
    const r = await within(5_000, runEngine(ir(LOOP()), { dispatcher: d, events: ev }));
    // signal 1 → [1,2,3]; sum 6 → [6,12,18]; sum 36 → [36,72,108]; then no more
    expect(r.result.per).toEqual([
      [1, 2, 3],
      [6, 12, 18],
      [36, 72, 108],
    ]);
    expect(events.filter((e) => e.type === "round.closed").map((e) => (e as { round: number }).round)).toEqual([1, 2, 3]);
    expect(events.filter((e) => e.type === "signal.closed")).toHaveLength(1);
    expect(events.filter((e) => e.type === "held.finished")).toHaveLength(3);
    expect(r.stats.find((s) => s.step === "h")?.held).toMatchObject({ live: 0, round: 3, signals: 3 });
  });

  it("keeps rounds through plain calls, flatten and merge between the held call and gather by round", async () => {
    next.rounds = 0;
    // the slowest item of every round comes last: a mark that overtook it would split the round
    const slow = async ({ v }: { v: number }): Promise<Json> => (await sleep(v % 3 === 0 ? 30 : 0), [v, v]);
    const f = ir(`flow loop(stop: int = 3) {
  worker w { run "x" replicas 2 }
  start = [1] | w.ident
  xs    = [1, 2, 3]
  h     = xs | w.scale(f: item) hold | w.slow(v: item) | flatten
  h2    = h | w.ident
  both  = merge(h, h2)
  per   = both | gather by round
  more  = per | w.next(lists: item, stop: stop) | flatten
  sig   = merge(start, more)
  h <- sig as "s"
  emit per
}`);
    const d = fakeDispatcher({ ident: (x) => x, next, slow }, { scale });
    const r = await within(5_000, runEngine(f, { dispatcher: d }));
    const per = r.result.per as number[][];
    expect(per.map((l) => [...l].sort((a, b) => a - b))).toEqual([
      [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3],
      [24, 24, 24, 24, 48, 48, 48, 48, 72, 72, 72, 72],
      [576, 576, 576, 576, 1152, 1152, 1152, 1152, 1728, 1728, 1728, 1728],
    ]);
  });

  it("gives a held call that starts late every signal sent before it started", async () => {
    next.rounds = 0;
    // the third item starts 150 ms after the first signal went out
    const d = fakeDispatcher({ ident: (x) => x, next, delay: async ({ v }) => (await sleep(v === 3 ? 150 : 0), v) }, { scale });
    const r = await within(5_000, runEngine(ir(LOOP("| w.delay(v: item)")), { dispatcher: d }));
    expect(r.result.per).toEqual([
      [1, 2, 3],
      [6, 12, 18],
      [36, 72, 108],
    ]);
    const toThird = d.signalsSent.filter(([input]) => (input as { f: number }).f === 3).map(([, , v]) => v);
    expect(toThird).toEqual([1, 6, 36]);
  });

  it("a call that ends early leaves the later rounds to the others", async () => {
    next.rounds = 0;
    const early = async function* ({ f }: { f: number }, ctx: FakeHeldCtx): AsyncGenerator<Json, Json> {
      for await (const s of ctx.signals("s")) {
        yield f * (s as number);
        if (f === 2) return "done early";
      }
      return f;
    };
    const d = fakeDispatcher({ ident: (x) => x, next }, { scale: early });
    const r = await within(5_000, runEngine(ir(LOOP()), { dispatcher: d }));
    expect(r.result.per).toEqual([
      [1, 2, 3],
      [6, 18],
      [24, 72],
    ]);
  });

  it("fails a call that yields twice in one round, naming it", async () => {
    next.rounds = 0;
    const twice = async function* ({ f }: { f: number }, ctx: FakeHeldCtx): AsyncGenerator<Json, Json> {
      for await (const s of ctx.signals("s")) {
        yield f * (s as number);
        if (f === 2) yield -1;
      }
      return f;
    };
    const d = fakeDispatcher({ ident: (x) => x, next }, { scale: twice });
    await expect(within(5_000, runEngine(ir(LOOP()), { dispatcher: d }))).rejects.toThrow(
      /step `h`: w\.scale call 1 \(input \{"f":2\}\) yielded twice in round 1/,
    );
  });

  it("reports a deadlock when a call waits with signal() for a signal nothing can send", async () => {
    next.rounds = 0;
    const single = async function* ({ f }: { f: number }, ctx: FakeHeldCtx): AsyncGenerator<Json, Json> {
      for (;;) yield f * ((await ctx.signal("s")) as number);
    };
    const d = fakeDispatcher({ ident: (x) => x, next }, { scale: single });
    const t0 = Date.now();
    const err = await within(5_000, runEngine(ir(LOOP()), { dispatcher: d })).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /step `h`: deadlock: w\.scale call 0 \(input \{"f":1\}\), call 1 \(input \{"f":2\}\), call 2 \(input \{"f":3\}\) wait for signal "s" with ctx\.signal\(\)/,
    );
    expect((err as Error).message).toContain("`sig` (line 9), which sends it, has nothing queued or in flight");
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it("reports a deadlock when `parallel` is smaller than the items of a loop", async () => {
    next.rounds = 0;
    const d = fakeDispatcher({ ident: (x) => x, next }, { scale });
    await expect(within(5_000, runEngine(ir(LOOP("", "hold parallel 2")), { dispatcher: d }))).rejects.toThrow(
      /1 item\(s\) wait to start a held call, but every slot \(2 held calls at once/,
    );
  });

  it("starts a failed held call again with its signal log, and delivers no round twice", async () => {
    next.rounds = 0;
    const crashy = async function* ({ f }: { f: number }, ctx: FakeHeldCtx): AsyncGenerator<Json, Json> {
      for await (const s of ctx.signals("s")) {
        // the first attempt of call 2 dies after its second yield
        if (f === 2 && ctx.attempt === 1 && s === 6) throw Object.assign(new Error("replica died"), { retryable: true });
        yield f * (s as number);
      }
      return f;
    };
    const d = fakeDispatcher({ ident: (x) => x, next }, { scale: crashy });
    const r = await within(5_000, runEngine(ir(LOOP("", "hold retry 1 backoff 1ms")), { dispatcher: d }));
    expect(r.result.per).toEqual([
      [1, 2, 3],
      [6, 12, 18],
      [36, 72, 108],
    ]);
    expect(d.held.filter((h) => (h.input as { f: number }).f === 2).map((h) => h.attempt)).toEqual([1, 2]);
    // the second attempt was given the log from its start
    expect(d.signalsSent.filter(([input]) => (input as { f: number }).f === 2).map(([, , v]) => v)).toEqual([1, 6, 1, 6, 36]);
  });

  it("fails a held call idle past its timeout, but not one blocked on a signal", async () => {
    next.rounds = 0;
    const idle = async function* ({ f }: { f: number }, ctx: FakeHeldCtx): AsyncGenerator<Json, Json> {
      for await (const s of ctx.signals("s")) {
        if (f === 3 && s === 6) await new Promise((r) => setTimeout(r, 10_000));
        yield f * (s as number);
      }
      return f;
    };
    const slowNext = async (x: { lists: number[]; stop: number }): Promise<Json> => (await sleep(300), next(x));
    const d = fakeDispatcher({ ident: (x) => x, next: slowNext }, { scale: idle });
    const t0 = Date.now();
    // recenter takes 300 ms while the calls wait blocked: under the 200 ms timeout only a busy call fails
    await expect(within(5_000, runEngine(ir(LOOP("", "hold timeout 200ms")), { dispatcher: d }))).rejects.toThrow(
      /w\.scale.*input \{"f":3\}.*timed out after 200 ms without an event/,
    );
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it("cancels every held call when the run is cancelled", async () => {
    // the round's next signal takes forever: the held calls wait, blocked, until the cancel
    const hang = (_: unknown, req: { signal: AbortSignal }): Promise<Json> =>
      new Promise((_r, reject) => req.signal.addEventListener("abort", () => reject(req.signal.reason), { once: true }));
    const d = fakeDispatcher({ ident: (x) => x, next: hang }, { scale });
    const controller = new AbortController();
    const running = runEngine(ir(LOOP()), { dispatcher: d, signal: controller.signal });
    await sleep(50);
    controller.abort(new Error("stop"));
    await expect(within(1_000, running)).rejects.toThrow(/stop/);
    expect(d.held.every((h) => h.signal.aborted)).toBe(true);
  });
});
