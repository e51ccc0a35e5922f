/** Folding events into what the page draws: counters, the time split, held rounds, progress, failures, roll-ups, bounds. */
import { describe, expect, it } from "vitest";
import { stepInfos } from "./flow-info.js";
import { RunModel } from "./run-model.js";
import type { UiEvent } from "./ui-events.js";
import { HELD_FLOW, irOf } from "../../../test/support/ui-runs.js";

const FLOW = `flow f() {
  worker w { run "node w.js" replicas 2 }
  xs = range(4) | w.a
  ys = xs | w.b
  emit ys
}
`;

const started = (step: string, callId: number, time: number, attempt = 1): UiEvent => ({
  type: "call.started",
  step,
  worker: "w",
  method: step === "xs" ? "a" : "b",
  callId,
  attempt,
  time,
});
const finished = (step: string, callId: number, time: number, ms: number, extra: object = {}): UiEvent =>
  ({ type: "call.finished", step, callId, attempt: 1, ms, time, ...extra }) as UiEvent;

describe("RunModel", () => {
  it("counts calls per step, plans a step from its source (or its upstream's items), and splits the time when the worker says", () => {
    const m = new RunModel(stepInfos(irOf(FLOW)));
    m.apply({ type: "run.started", runId: "r", flow: "f", steps: ["xs", "ys"], time: 1_000 });
    m.apply({ type: "step.started", step: "xs", time: 1_000 });
    for (let i = 0; i < 4; i++) m.apply(started("xs", i, 1_000));
    m.apply(finished("xs", 0, 1_100, 100, { replica: 1, queuedMs: 10, workerMs: 60 }));
    m.apply({ type: "call.progress", step: "xs", callId: 1, fraction: 0.5, message: "half", time: 1_100 });
    let v = m.view();
    const xs = v.steps.find((s) => s.name === "xs")!;
    expect(xs).toMatchObject({ state: "running", planned: 4, started: 4, done: 1, inFlight: 3 });
    expect(xs.fraction).toBeCloseTo((1 + 0.5) / 4);
    expect(v.calls.xs![0]).toMatchObject({ callId: 0, ms: 100, queuedMs: 10, workerMs: 60, transportMs: 30, replica: 1, line: 3, worker: "w" });
    expect(v.calls.xs!.find((c) => c.callId === 1)!.progress).toEqual({ fraction: 0.5, message: "half" });
    expect(v.steps.find((s) => s.name === "ys")!.planned).toBeNull();
    for (let i = 1; i < 4; i++) m.apply(finished("xs", i, 1_200 + i * 1000, 200 + i));
    m.apply({ type: "step.finished", step: "xs", items: 4, time: 4_300 });
    v = m.view();
    expect(v.steps.find((s) => s.name === "ys")!.planned).toBe(4);
    // the slowest first
    expect(v.calls.xs!.map((c) => c.callId)).toEqual([3, 2, 1, 0]);
    expect(v.totals).toMatchObject({ done: 4, inFlight: 0 });
    expect(v.throughput.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(v.bars.map((b) => b.lane)).toContain("w-1");
  });

  it("keeps a failed call's error, input, replica and log offset; retries count and come after failures", () => {
    const m = new RunModel(stepInfos(irOf(FLOW)));
    m.apply(started("ys", 7, 1_000));
    m.apply({ type: "call.retried", step: "ys", callId: 7, attempt: 1, error: "flaky", delayMs: 5, time: 1_050, replica: 0, logOffset: 10 } as UiEvent);
    m.apply(started("ys", 7, 1_060, 2));
    m.apply(started("ys", 8, 1_060));
    m.apply({
      type: "call.failed",
      step: "ys",
      callId: 8,
      attempt: 1,
      error: "step `ys`: w.b on replica 1, attempt 1/1, input 3: <b>no</b>",
      skipped: false,
      input: "3",
      time: 1_500,
    });
    const v = m.view();
    // call 7 runs again after its retry: only 8 is a failure now
    expect(v.failures.map((c) => [c.callId, c.state])).toEqual([[8, "failed"]]);
    const failed = v.failures[0]!;
    // no `replica` field on this engine's failures: read from the runtime's own message
    expect(failed).toMatchObject({ replica: 1, input: "3", ms: 440, line: 4, worker: "w" });
    const ys = v.steps.find((s) => s.name === "ys")!;
    expect(ys).toMatchObject({ retried: 1, failed: 1, inFlight: 1 });
  });

  it("follows held calls: live count, the round from round.closed, a bar per held call", () => {
    const m = new RunModel(stepInfos(irOf(HELD_FLOW)));
    m.apply({ type: "held.started", step: "h", call: 0, attempt: 1, replica: 1, input: "{}", time: 1_000 });
    m.apply({ type: "round.closed", step: "h", round: 2, yields: 1, live: 1, awaiting: { go: 1 }, time: 1_200 });
    let h = m.view().steps.find((s) => s.name === "h")!;
    expect(h.held).toEqual({ live: 1, round: 2, awaiting: { go: 1 } });
    expect(m.view().bars).toEqual([expect.objectContaining({ lane: "w-1", step: "h", state: "held" })]);
    m.apply({ type: "held.finished", step: "h", call: 0, attempt: 1, rounds: 3, time: 1_500 });
    h = m.view().steps.find((s) => s.name === "h")!;
    expect(h.held!.live).toBe(0);
    expect(m.view().calls.h![0]).toMatchObject({ state: "done", rounds: 3, ms: 500 });
  });

  it("past the event log's limit, takes the counters and the throughput from calls.rolled", () => {
    const m = new RunModel(stepInfos(irOf(FLOW)));
    m.apply({ type: "run.started", runId: "r", flow: "f", steps: ["xs", "ys"], time: 0 });
    for (let i = 0; i < 3; i++) m.apply(finished("xs", i, 500, 10));
    const roll = (time: number, done: number): UiEvent => ({
      type: "calls.rolled",
      steps: [{ step: "xs", done, reused: 0, failed: 0, retries: 2, inFlight: 1 }],
      time,
    });
    m.apply(roll(1_500, 10));
    m.apply(roll(2_500, 25));
    const v = m.view();
    expect(v.rolled).toBe(true);
    expect(v.steps.find((s) => s.name === "xs")).toMatchObject({ done: 25, retried: 2, inFlight: 1 });
    expect(v.throughput).toEqual({ t0: 0, bucketMs: 1000, counts: [3, 7, 15] });
  });

  it("bounds what a view lists, says so, and keeps counters exact", () => {
    const m = new RunModel(stepInfos(irOf(FLOW)));
    for (let i = 0; i < 1000; i++) {
      m.apply(started("xs", i, i));
      m.apply(finished("xs", i, i * 10 + 5, i % 97));
    }
    const v = m.view({ callsPerStep: 10, failures: 5, bars: 100, buckets: 3 });
    expect(v.calls.xs).toHaveLength(10);
    expect(v.calls.xs![0]!.ms).toBe(96);
    expect(v.bars.length).toBeLessThanOrEqual(100);
    expect(v.throughput.counts.length).toBeLessThanOrEqual(3);
    expect(v.throughput.counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(v.steps.find((s) => s.name === "xs")!.done).toBe(1000);
    expect(v.sampled.join("\n")).toMatch(/10 slowest of 1000/);
  });
});
