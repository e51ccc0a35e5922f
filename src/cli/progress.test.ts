import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { compile } from "../dsl/compile.js";
import type { StepStats } from "../runtime/events.js";
import { etaText, liveDisplay, plainDisplay, stepLine } from "./progress.js";

const ir = compile('flow p() {\n  worker w { run "x" }\n  seeds = range(16)\n  hits = seeds | w.f\n  total = hits | reduce w.add\n  emit total\n}').ir!;

function stats(): StepStats[] {
  return [
    {
      step: "seeds",
      emitted: 16,
      callsStarted: 0,
      callsDone: 0,
      callsReused: 0,
      callsFailed: 0,
      retries: 0,
      inFlight: 0,
      progress: 0,
      state: "done",
      startedAt: 1000,
      finishedAt: 1000,
    },
    {
      step: "hits",
      emitted: 9,
      callsStarted: 12,
      callsDone: 9,
      callsReused: 0,
      callsFailed: 1,
      retries: 2,
      inFlight: 3,
      progress: 0,
      state: "running",
      startedAt: 1000,
    },
    { step: "total", emitted: 0, callsStarted: 0, callsDone: 0, callsReused: 0, callsFailed: 0, retries: 0, inFlight: 0, progress: 0, state: "waiting" },
  ];
}

describe("progress", () => {
  it("shows a held step's live calls, its last complete round and the signal they await", () => {
    const list = stats();
    const map = new Map(list.map((s) => [s.step, s]));
    list[1]!.held = { live: 8, awaiting: { centroids: 6 }, round: 4, signals: 5 };
    expect(stepLine(ir, list[1]!, map, 5, 3500)).toBe(
      '▶ hits         9/16         56%  in flight    3  held 8  round 4  6 await "centroids"  retried 2  failed 1  2.5s  eta 2s',
    );
    list[1]!.held = { live: 3, awaiting: {}, round: -1, signals: 0 };
    expect(stepLine(ir, list[1]!, map, 5, 3500)).toContain("held 3  round -  retried");
  });

  it("shows done/total, in flight, retries, failures and time per step", () => {
    const list = stats();
    const map = new Map(list.map((s) => [s.step, s]));
    expect(stepLine(ir, list[1]!, map, 5, 3500)).toBe("▶ hits         9/16         56%  in flight    3  retried 2  failed 1  2.5s  eta 2s");
    // calls a resumed run answered from the journal
    expect(stepLine(ir, { ...list[1]!, callsReused: 6 }, map, 5, 3500)).toBe(
      "▶ hits         9/16         56%  in flight    3  reused 6  retried 2  failed 1  2.5s  eta 2s",
    );
    expect(stepLine(ir, list[0]!, map, 5, 3500)).toBe("✔ seeds       16                           0.0s");
    list[1]!.state = "done";
    list[1]!.emitted = 16;
    list[2]!.callsStarted = 2;
    list[2]!.callsDone = 1;
    // a reduce of 16 items makes 15 calls
    expect(stepLine(ir, list[2]!, map, 5, 3500)).toContain("1/15");
  });

  it("counts the progress calls in flight reported in the percentage done, and estimates the time left from it", () => {
    const one = compile('flow p() {\n  worker w { run "x" }\n  slow = [1] | w.f\n  emit slow\n}').ir!;
    const s: StepStats = {
      step: "slow",
      emitted: 0,
      callsStarted: 1,
      callsDone: 0,
      callsReused: 0,
      callsFailed: 0,
      retries: 0,
      inFlight: 1,
      progress: 0,
      state: "running",
      startedAt: 1000,
    };
    const line = (now: number): string => stepLine(one, s, new Map([["slow", s]]), 4, now);
    // no progress yet: 0%, and no estimate
    expect(line(3000)).toBe("▶ slow        0/1           0%  in flight    1  2.0s");
    s.progress = 0.5;
    // half done after 0.5 s: too soon for an estimate
    expect(line(1500)).toBe("▶ slow        0/1          50%  in flight    1  0.5s");
    // half done after 6 s: 6 s more
    expect(line(7000)).toBe("▶ slow        0/1          50%  in flight    1  6.0s  eta 6s");
    s.progress = 0.999;
    expect(line(7000)).toContain(" 99%  ");
    // done: 100%, no estimate
    Object.assign(s, { progress: 0, inFlight: 0, callsDone: 1, state: "done", finishedAt: 8000 });
    expect(line(9000)).toBe("✔ slow        1/1         100%  in flight    0  7.0s");
  });

  it("adds the calls done of a step and its calls' progress over its total, capped at 100%", () => {
    const list = stats();
    const map = new Map(list.map((s) => [s.step, s]));
    // 9 done and three in flight at 0.5, 0.25, 0.25 of 16: 10/16
    list[1]!.progress = 1;
    expect(stepLine(ir, list[1]!, map, 5, 3500)).toContain("9/16         62%  in flight");
    // 2.5 s for 10/16: 1.5 s more
    expect(stepLine(ir, list[1]!, map, 5, 3500)).toMatch(/2\.5s  eta 2s$/);
    list[1]!.progress = 20;
    expect(stepLine(ir, list[1]!, map, 5, 3500)).toContain("100%");
    expect(stepLine(ir, list[1]!, map, 5, 3500)).not.toContain("eta");
  });

  it("writes an estimate in whole seconds, rounded up, then minutes and hours", () => {
    expect(etaText(400)).toBe("1s");
    expect(etaText(12_000)).toBe("12s");
    expect(etaText(59_500)).toBe("1m00s");
    expect(etaText(185_000)).toBe("3m05s");
    expect(etaText(2 * 3600_000 + 7 * 60_000)).toBe("2h07m");
  });

  it("shows the calls a finished step still has out as stopping, not in flight", () => {
    const list = stats();
    const map = new Map(list.map((s) => [s.step, s]));
    list[1]!.state = "done";
    expect(stepLine(ir, list[1]!, map, 5, 3500)).toContain("stopping     3");
    list[1]!.inFlight = 0;
    expect(stepLine(ir, list[1]!, map, 5, 3500)).toContain("in flight    0");
  });

  it("counts the calls of every call stage of a step in its total", () => {
    const chained = compile('flow p() {\n  worker w { run "x" }\n  xs = range(100) | w.f | w.g | take 10 | w.h | reduce w.add\n  emit xs\n}').ir!;
    const s: StepStats = {
      step: "xs",
      emitted: 0,
      callsStarted: 150,
      callsDone: 150,
      callsReused: 0,
      callsFailed: 0,
      retries: 0,
      inFlight: 0,
      progress: 0,
      state: "running",
      startedAt: 1000,
    };
    // 100 + 100 calls, then 10 after the take, then 9 to reduce them
    expect(stepLine(chained, s, new Map([["xs", s]]), 2, 1000)).toContain("150/219");
    const flattened = compile('flow p() {\n  worker w { run "x" }\n  xs = range(4) | w.f | flatten | w.g\n  emit xs\n}').ir!;
    const f: StepStats = { ...s, callsDone: 5 };
    // how many items the flatten gives is not known before it ran
    expect(stepLine(flattened, f, new Map([["xs", f]]), 2, 1000)).toMatch(/^▶ xs\s+5\s+in flight/);
  });

  it("redraws in place on a terminal", () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (c: Buffer) => (text += c.toString()));
    const d = liveDisplay(ir, stats, out as unknown as NodeJS.WriteStream);
    d.event({ type: "log", level: "warn", message: "worker w replica 0 died", time: 0 });
    d.stop();
    d.stop();
    expect(text).toContain("worker w replica 0 died\n");
    // the second frame moves the cursor up over the three step lines
    expect(text).toContain("\x1b[3A");
    expect(text.match(/\x1b\[2K. hits/g)).toHaveLength(2);
  });

  it("prints plain lines when a step ends, and for retries and skips", () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (c: Buffer) => (text += c.toString()));
    const d = plainDisplay(ir, stats, out);
    d.event({ type: "step.finished", step: "seeds", items: 16, time: 0 });
    d.event({ type: "call.retried", step: "hits", callId: 4, attempt: 1, error: "boom", delayMs: 900, time: 0 });
    d.event({ type: "call.failed", step: "hits", callId: 5, attempt: 3, error: "step `hits`: w.f ...: bad", skipped: true, input: "{}", time: 0 });
    d.stop();
    expect(text).toBe(
      "✔ seeds       16                           0.0s\nretry: step hits call 4 attempt 1 failed (boom); next in 900 ms\nskipped: step `hits`: w.f ...: bad\n",
    );
    expect(text).not.toContain("\x1b");
  });

  it("shows a worker's control characters escaped, live and plain", () => {
    const hostile = "bad \x1b]0;pwned\x07\x1b[2J\u202eevil\nnext";
    const shown = "bad \\x1b]0;pwned\\x07\\x1b[2J\\u202eevil";
    const out = new PassThrough();
    let text = "";
    out.on("data", (c: Buffer) => (text += c.toString()));
    const live = liveDisplay(ir, stats, out as unknown as NodeJS.WriteStream);
    live.event({ type: "log", level: "error", message: hostile, time: 0 });
    live.event({ type: "call.failed", step: "hits", callId: 5, attempt: 1, error: hostile, skipped: true, input: "{}", time: 0 });
    live.stop();
    // only the display's own sequences (erase line, cursor up) are left
    expect(text.replace(/\x1b\[(2K|\d+A)/g, "")).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain(`\x1b[2K${shown}\n\x1b[2Knext\n`);
    expect(text).toContain(`\x1b[2Kskipped: ${shown}\n`);

    let plain = "";
    const out2 = new PassThrough();
    out2.on("data", (c: Buffer) => (plain += c.toString()));
    const d = plainDisplay(ir, stats, out2);
    d.event({ type: "log", level: "warn", message: hostile, time: 0 });
    d.event({ type: "call.retried", step: "hits", callId: 4, attempt: 1, error: hostile, delayMs: 900, time: 0 });
    d.event({ type: "call.failed", step: "hits", callId: 5, attempt: 3, error: hostile, skipped: true, input: "{}", time: 0 });
    d.stop();
    expect(plain).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(plain).toBe(`warn: ${shown}\nnext\nretry: step hits call 4 attempt 1 failed (${shown}\nnext); next in 900 ms\nskipped: ${shown}\nnext\n`);
  });
});
