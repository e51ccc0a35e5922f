/**
 * What a user sees while a flow runs. On a terminal: one line per step, redrawn in place
 * (Nextflow's console is the model): calls done of the total, the percentage done (calls in
 * flight counted by the progress they reported), calls in flight, elapsed time and an ETA. Elsewhere: a plain line whenever a step ends or
 * fails, for each retry, skipped item and warning, and a summary of running steps every five seconds.
 */
import { terminalSafe } from "../dsl/terminal-safe.js";
import type { FlowIR } from "../ir/types.js";
import type { RunEvent, StepStats } from "../runtime/events.js";

/**
 * How many calls step `step` makes in all, when that is known: its done count counts the
 * calls of every call stage, so two calls in a row make twice the items. Each call gives
 * one item; a reduce of n items makes n - 1 calls and gives one.
 */
function totalOf(ir: FlowIR, step: string, stats: Map<string, StepStats>): number | undefined {
  const s = ir.steps.find((x) => x.name === step);
  if (!s) return undefined;
  let n = itemsIn(ir, s, stats);
  let calls = 0;
  for (const st of s.stages) {
    if (st.kind === "call" || st.kind === "reduce") {
      // unknown once a flatten ran, or while the upstream step runs
      if (n === undefined) return undefined;
      calls += st.kind === "call" ? n : Math.max(0, n - 1);
      if (st.kind === "reduce") n = Math.min(1, n);
    } else if (n === undefined) continue;
    else if (st.kind === "gather" || st.kind === "last") n = Math.min(1, n);
    else if (st.kind === "take") n = Math.min(st.count, n);
    else if (st.kind === "flatten") n = undefined;
  }
  return calls;
}

function itemsIn(ir: FlowIR, s: FlowIR["steps"][number], stats: Map<string, StepStats>): number | undefined {
  const src = s.source;
  if (src.kind === "range") return src.count;
  if (src.kind === "list") return src.items.length;
  if (src.kind === "step") {
    const up = stats.get(src.step);
    return up?.state === "done" ? up.emitted : undefined;
  }
  if (src.kind === "merge") {
    const ups = src.steps.map((n) => stats.get(n));
    return ups.every((u) => u?.state === "done") ? ups.reduce((a, u) => a + u!.emitted, 0) : undefined;
  }
  return undefined;
}

function seconds(s: StepStats, now: number): string {
  if (!s.startedAt) return "";
  return `${(((s.finishedAt ?? now) - s.startedAt) / 1000).toFixed(1)}s`;
}

/**
 * How far a step's calls are, 0..1: the calls done, plus the fractions the calls in flight
 * last reported (`ctx.progress`), over the calls it makes in all.
 */
export function fractionDone(s: StepStats, total: number): number {
  return Math.min(1, Math.max(0, (s.callsDone + s.progress) / total));
}

/** A running step's time left at the pace it went so far; nothing before ETA_AFTER_MS of it, or before any progress. */
function eta(s: StepStats, fraction: number, now: number): string {
  if (s.state !== "running" || !s.startedAt || fraction <= 0 || fraction >= 1) return "";
  const elapsed = now - s.startedAt;
  if (elapsed < ETA_AFTER_MS) return "";
  return `eta ${etaText((elapsed * (1 - fraction)) / fraction)}`;
}

/** The ETA needs this much of a step's run to go by. */
const ETA_AFTER_MS = 1_000;

/** `12s`, `3m05s`, `2h07m`: whole seconds, rounded up. */
export function etaText(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number): string => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
}

export function stepLine(ir: FlowIR, s: StepStats, all: Map<string, StepStats>, width: number, now = Date.now()): string {
  const total = totalOf(ir, s.step, all);
  const hasCalls = s.callsStarted > 0;
  const done = hasCalls ? s.callsDone : s.emitted;
  // the calls in flight count by the progress they reported: a long call is not stuck at 0
  const fraction = hasCalls && total !== undefined && total > 0 ? fractionDone(s, total) : undefined;
  const mark = s.state === "done" ? "✔" : s.state === "failed" ? "✘" : s.state === "cancelled" ? "■" : s.state === "running" ? "▶" : "·";
  const parts = [
    `${mark} ${s.step.padEnd(width)}`,
    `${String(done).padStart(7)}${total !== undefined && hasCalls ? `/${total}` : ""}`.padEnd(16),
    fraction === undefined ? "" : `${Math.floor(fraction * 100 + 1e-9)}%`.padStart(4),
    // a step that ended (a `take` had enough, or a cancel) while calls were out: they are
    // being cancelled, not running
    hasCalls
      ? s.state !== "running" && s.inFlight > 0
        ? `stopping  ${String(s.inFlight).padStart(4)}`
        : `in flight ${String(s.inFlight).padStart(4)}`
      : "".padEnd(14),
    s.held ? heldText(s) : "",
    s.callsReused ? `reused ${s.callsReused}` : "",
    s.retries ? `retried ${s.retries}` : "",
    s.callsFailed ? `failed ${s.callsFailed}` : "",
    seconds(s, now),
    fraction === undefined ? "" : eta(s, fraction, now),
  ];
  return parts.filter((p) => p !== "").join("  ");
}

/** A held step: its live held calls, the last complete round, and what they wait for. */
function heldText(s: StepStats): string {
  const h = s.held!;
  const waits = Object.entries(h.awaiting)
    .map(([name, n]) => `${n} await "${name}"`)
    .join(", ");
  return `held ${h.live}  round ${h.round < 0 ? "-" : h.round}${waits ? `  ${waits}` : ""}`;
}

export interface Display {
  event(e: RunEvent): void;
  /** Draws the final state and stops redrawing. */
  stop(): void;
}

export function liveDisplay(ir: FlowIR, stats: () => StepStats[], out: NodeJS.WriteStream): Display {
  const width = Math.max(...ir.steps.map((s) => s.name.length), 4);
  let drawn = 0;
  const messages: string[] = [];
  const draw = (): void => {
    const list = stats();
    const map = new Map(list.map((s) => [s.step, s]));
    let text = drawn ? `\x1b[${drawn}A` : "";
    // each line of a message clears what an earlier frame drew there
    for (const m of messages.splice(0)) text += `\x1b[2K${terminalSafe(m).replaceAll("\n", "\n\x1b[2K")}\n`;
    for (const s of list) text += `\x1b[2K${stepLine(ir, s, map, width)}\n`;
    drawn = list.length;
    out.write(text);
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    event(e) {
      if (e.type === "call.failed" && e.skipped) messages.push(`skipped: ${e.error}`);
      else if (e.type === "log" && e.level !== "info") messages.push(e.message);
    },
    stop() {
      clearInterval(timer);
      draw();
    },
  };
}

export function plainDisplay(ir: FlowIR, stats: () => StepStats[], out: NodeJS.WritableStream): Display {
  const width = Math.max(...ir.steps.map((s) => s.name.length), 4);
  let last = Date.now();
  const summary = (): void => {
    const list = stats();
    const map = new Map(list.map((s) => [s.step, s]));
    for (const s of list) if (s.state === "running") out.write(`${stepLine(ir, s, map, width)}\n`);
  };
  const timer = setInterval(() => {
    if (Date.now() - last >= 5000) {
      summary();
      last = Date.now();
    }
  }, 1000);
  timer.unref();
  return {
    event(e) {
      const list = stats();
      const map = new Map(list.map((s) => [s.step, s]));
      if (e.type === "step.finished" || e.type === "step.failed" || e.type === "step.cancelled") {
        const s = map.get(e.step);
        if (s) out.write(`${stepLine(ir, s, map, width)}\n`);
      } else if (e.type === "call.failed" && e.skipped) out.write(`skipped: ${terminalSafe(e.error)}\n`);
      else if (e.type === "call.retried")
        out.write(`retry: step ${e.step} call ${e.callId} attempt ${e.attempt} failed (${terminalSafe(e.error)}); next in ${e.delayMs} ms\n`);
      else if (e.type === "log") out.write(`${e.level}: ${terminalSafe(e.message)}\n`);
      else if (e.type === "signal.closed") out.write(`loop: step ${e.step} is quiescent, signal "${e.signal}" closed for its ${e.calls} held call(s)\n`);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
