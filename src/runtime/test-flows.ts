/**
 * What the engine's tests share, beside the fake dispatcher of fake-held.ts: a compiled
 * flow (the compiler is a higher layer than the runtime, so each test passes its result in:
 * `compiled(compile(text))`), the run's events as published, timing helpers, and a loop of
 * held calls as most held tests write it.
 */
import type { FlowIR, Json } from "../ir/types.js";
import { RunEvents, type RunEvent } from "./events.js";
import type { FakeHeldCtx } from "./fake-held.js";

/** The IR of a compile, or an error listing its diagnostics. */
export function compiled(r: { ir?: FlowIR; diagnostics: ReadonlyArray<{ message: string }> }): FlowIR {
  if (!r.ir) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.ir;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `p`, or a rejection saying it did not settle within `ms`. */
export const within = <T>(ms: number, p: Promise<T>): Promise<T> =>
  Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`still running after ${ms} ms`)))]);

/** Events of a run, as published (`detailed`: per-call events too). */
export function recorder(detailed?: boolean): { events: RunEvents; seen: RunEvent[] } {
  const events = new RunEvents(detailed);
  const seen: RunEvent[] = [];
  events.on("event", (e) => seen.push(e));
  return { events, seen };
}

/** A promise's state without waiting for it. */
export function track<T>(p: Promise<T>): { settled: () => boolean; result: Promise<T> } {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { settled: () => settled, result: p };
}

/** Lets every pending microtask chain run (a few promise hops deep). */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** A held method: yields its input `f` × each signal "s", until the signal ends; returns `f`. */
export const scale = async function* ({ f }: { f: number }, ctx: FakeHeldCtx): AsyncGenerator<Json, Json> {
  for await (const s of ctx.signals("s")) yield f * (s as number);
  return f;
};

/**
 * A loop: held calls `h` over xs = [1, 2, 3] get signal "s" from `start`, then from `w.next`
 * given each round's items, for `stop` rounds. `xs` and `h` follow the `=` (and the `xs |`);
 * `more` is lines after the signal's, before the emit. The signal's line is line 9.
 */
export function loopFlow(o: { start?: string; xs?: string; h?: string; more?: string; emit?: string } = {}): string {
  return `flow loop(stop: int = 3) {
  worker w { run "x" replicas 2 }
  start = ${o.start ?? "[1]"}
  xs    = ${o.xs ?? "[1, 2, 3]"}
  h     = xs | ${o.h ?? "w.scale(f: item) hold"}
  per   = h | gather by round
  more  = per | w.next(lists: item, stop: stop) | flatten
  sig   = merge(start, more)
  h <- sig as "s"
${o.more ?? ""}  emit ${o.emit ?? "per"}
}`;
}
