import { setMaxListeners } from "node:events";
import type { FlowIR, Json, PondWriteMode, StageIR, StepIR } from "../ir/types.js";
import { evaluate, ExpressionError } from "../ir/evaluate.js";
import { callWithRetry, skipUnbuilt, type CallSite } from "./call-with-retry.js";
import { Channel, broadcast } from "./channel.js";
import type { Dispatcher } from "./dispatcher.js";
import { RunCancelledError, StepError, preview } from "./errors.js";
import { callCounts, RunEvents, type StepStats } from "./events.js";
import { mapConcurrent } from "./map-concurrent.js";
import { readAll } from "./read-all.js";
import { ProgressEvents } from "./progress-events.js";
import { reduceTree } from "./reduce-tree.js";
import { independentSource, type SourceContext } from "./sources.js";
import { flatten, gather, last, merge, take } from "./stream-stages.js";
import { groupBy, join, map, where } from "./data-stages.js";
import { HeldStage } from "./held-stage.js";
import { LoopMonitor } from "./quiescence.js";
import {
  KEEPS_ROUNDS,
  RoundItem,
  RoundMark,
  flattenRounds,
  gatherByRound,
  mergeRounds,
  plainValues,
  sourceHasRounds,
  stepsWithRounds,
  type Flowing,
} from "./rounds.js";

export interface EngineOptions {
  dispatcher: Dispatcher;
  events?: RunEvents;
  /** Capacity of each channel between steps (default 64). */
  channelCapacity?: number;
  /** Calls in flight for a stage without `parallel` (default: 4 per replica). */
  defaultParallel?: (worker: string) => number;
  pondRows?: SourceContext["pondRows"];
  globFiles?: SourceContext["globFiles"];
  /** Writes the items of a step to a file under the land (`into land(...)`). */
  writeLand?: (path: string, items: AsyncIterable<Json>) => Promise<void>;
  /** Writes the items of a step into a pond table (`into pond.table(...)`). */
  writePond?: (table: string, items: AsyncIterable<Json>, how: { mode: PondWriteMode; key: string[] }) => Promise<void>;
  /** Cancels the run from outside (Ctrl-C, a fatal report). */
  signal?: AbortSignal;
  runId?: string;
  /** Receives the live counters of every step once the run starts (for displays). */
  onStats?: (stats: StepStats[]) => void;
}

export interface EngineResult {
  /** Items of every emitted step, by step name. */
  result: Record<string, Json[]>;
  stats: StepStats[];
  elapsedMs: number;
}

/**
 * Runs a compiled flow: one task per step, bounded channels between them, every worker
 * stage a call through the dispatcher. The first failure cancels everything in flight
 * and is what the run fails with.
 */
export async function runEngine(ir: FlowIR, options: EngineOptions): Promise<EngineResult> {
  const t0 = performance.now();
  const events = options.events ?? new RunEvents();
  const capacity = options.channelCapacity ?? 64;
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const signal = controller.signal;
  const onOuterAbort = (): void => controller.abort(options.signal?.reason ?? new RunCancelledError("cancelled"));
  if (options.signal?.aborted) onOuterAbort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const replicas = new Map(ir.workers.map((w) => [w.name, w.replicas]));
  const defaultParallel = options.defaultParallel ?? ((w: string) => 4 * (replicas.get(w) ?? 1));
  const runId = options.runId ?? "run";

  const stats = new Map<string, StepStats>(
    ir.steps.map((s) => [
      s.name,
      { step: s.name, emitted: 0, callsStarted: 0, callsDone: 0, callsReused: 0, callsFailed: 0, retries: 0, inFlight: 0, progress: 0, state: "waiting" },
    ]),
  );
  options.onStats?.([...stats.values()]);
  // calls' progress reports, coalesced into call.progress events; stopped when the run ends
  const progress = new ProgressEvents(events);

  // one channel per reader of each step's output (a tee when there are several)
  const readers = new Map<string, Channel<Flowing>[]>(ir.steps.map((s) => [s.name, []]));
  const channelFor = (step: string): Channel<Flowing> => {
    const c = new Channel<Flowing>(capacity);
    readers.get(step)!.push(c);
    return c;
  };
  // steps whose items carry the rounds of held calls (round items and marks)
  const withRounds = stepsWithRounds(ir);
  // what a reader of a step sees when it wants plain values
  const plainOf = (step: string, items: AsyncIterable<Flowing>): AsyncIterable<Json> =>
    withRounds.has(step) ? plainValues(items) : (items as AsyncIterable<Json>);
  const inputs = new Map<string, AsyncIterable<Flowing>>();
  // the channels each step reads, released when it ends: a stage that stops before its
  // input ends (take 0 behind a generator that never started) must not block the writer
  const inputChannels = new Map<string, Channel<Flowing>[]>();
  for (const s of ir.steps) {
    if (s.source.kind === "step") {
      const c = channelFor(s.source.step);
      inputChannels.set(s.name, [c]);
      inputs.set(s.name, c);
    } else if (s.source.kind === "merge") {
      const cs = s.source.steps.map(channelFor);
      inputChannels.set(s.name, cs);
      inputs.set(s.name, sourceHasRounds(s, withRounds) ? mergeRounds(cs) : merge(cs));
    } else if (s.source.kind === "join") {
      const [l, r] = s.source.steps;
      const cl = channelFor(l);
      const cr = channelFor(r);
      inputChannels.set(s.name, [cl, cr]);
      inputs.set(s.name, join(plainOf(l, cl), plainOf(r, cr), s.name, s.source.by, s.loc));
    }
  }
  const result: Record<string, Json[]> = {};
  const sinkTasks: Array<() => Promise<void>> = [];
  for (const sink of ir.sinks) {
    const ch = plainOf(sink.step, channelFor(sink.step));
    if (sink.kind === "emit") {
      const items: Json[] = (result[sink.step] = []);
      sinkTasks.push(async () => {
        await readAll(ch, (v) => void items.push(v));
      });
    } else if (sink.kind === "land") {
      const write = options.writeLand;
      sinkTasks.push(async () => {
        if (!write) throw new StepError(sink.step, "this run has no land to write to");
        await write(sink.path, ch);
      });
    } else {
      const write = options.writePond;
      sinkTasks.push(async () => {
        if (!write) throw new StepError(sink.step, `into pond.table("${sink.table}") needs a pond: start the run with --pond (or QB_POND)`);
        try {
          await write(sink.table, ch, { mode: sink.mode ?? "append", key: sink.key ?? [] });
        } catch (err) {
          throw err instanceof StepError || signal.aborted
            ? err
            : new StepError(sink.step, `writing pond table \`${sink.table}\`: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
      });
    }
  }

  // held stages exist before any step runs: signals may come before their step starts
  const held = new Map<string, HeldStage>();
  const monitor = ir.steps.some((s) => s.held) ? new LoopMonitor({ ir, held, channels: () => [...readers.values()].flat() }) : undefined;
  for (const step of ir.steps) {
    for (const st of step.stages) {
      if (st.kind !== "call" || !st.hold) continue;
      held.set(
        step.name,
        new HeldStage({
          site: site(step, st),
          limit: st.options.parallel ?? defaultParallel(st.worker),
          args: argsOf(step, st),
          signal,
          onIdle: () => monitor?.poke(),
        }),
      );
    }
  }
  for (const sig of ir.signals) {
    const ch = plainOf(sig.from, channelFor(sig.from));
    const target = held.get(sig.step);
    sinkTasks.push(async () => {
      for await (const v of ch) target?.sendSignal(sig.name, v);
    });
  }

  function site(step: StepIR, st: Extract<StageIR, { kind: "call" | "reduce" }>): CallSite {
    const s = stats.get(step.name)!;
    return {
      step: step.name,
      worker: st.worker,
      method: st.method,
      options: st.options,
      loc: st.loc,
      stats: s,
      events,
      dispatcher: options.dispatcher,
      reused: () => void s.callsReused++,
      progress,
    };
  }

  function argsOf(step: StepIR, st: Extract<StageIR, { kind: "call" }>): (item: Json) => Json {
    return (item: Json): Json => {
      if (st.input === null) return item;
      try {
        return evaluate(st.input, item);
      } catch (err) {
        if (err instanceof ExpressionError)
          throw new StepError(step.name, `${err.message} in the arguments of ${st.worker}.${st.method} (line ${st.loc.line}), item ${preview(item)}`, {
            cause: err,
          });
        throw err;
      }
    };
  }

  /** Applies one stage; `rounded` says whether its input carries rounds. */
  const applyStage = (step: StepIR, input: AsyncIterable<Flowing>, st: StageIR, rounded: boolean): AsyncIterable<Flowing> => {
    const plain = (): AsyncIterable<Json> => (rounded ? plainValues(input) : (input as AsyncIterable<Json>));
    switch (st.kind) {
      case "call": {
        if (st.hold) return held.get(step.name)!.run(input);
        const s = site(step, st);
        const limit = st.options.parallel ?? defaultParallel(st.worker);
        const args = argsOf(step, st);
        const skipping = st.options.onError === "skip";
        const call = (item: Json, callSignal: AbortSignal): Promise<Json[]> => {
          let input: Json;
          try {
            input = args(item);
          } catch (err) {
            // `on error skip` covers an item its arguments cannot be built from (a missing
            // field, a type error): reported as a failed call, and the step goes on
            if (skipping && err instanceof StepError && err.cause instanceof ExpressionError) return Promise.resolve(skipUnbuilt(s, item, err));
            throw err;
          }
          return monitor ? monitor.track(callWithRetry(s, input, callSignal)) : callWithRetry(s, input, callSignal);
        };
        if (rounded) {
          // in order, so that a mark goes on only after the outputs of the items before it
          return mapConcurrent<Flowing, Flowing>(
            input,
            limit,
            true,
            (v, _i, callSignal) => {
              if (v instanceof RoundMark) return Promise.resolve([v]);
              if (!(v instanceof RoundItem)) return call(v, callSignal);
              return call(v.value, callSignal).then((outs) => outs.map((o) => new RoundItem(o, v.round, v.origin)));
            },
            signal,
          );
        }
        // no async frame of its own per call: the call's outputs are the stage's
        return mapConcurrent(input as AsyncIterable<Json>, limit, st.options.ordered, (item, _i, callSignal) => call(item, callSignal), signal);
      }
      case "reduce": {
        const s = site(step, st);
        const limit = st.options.parallel ?? defaultParallel(st.worker);
        return reduceTree(
          plain(),
          limit,
          async (left, right, callSignal) => {
            const outputs = await (monitor ? monitor.track(callWithRetry(s, { left, right }, callSignal)) : callWithRetry(s, { left, right }, callSignal));
            if (outputs.length === 0) throw new StepError(step.name, "reduce cannot skip a failed combination");
            return outputs[0]!;
          },
          signal,
        );
      }
      case "gather":
        if (st.byRound) return gatherByRound(input);
        return gather(plain());
      case "flatten":
        return rounded ? flattenRounds(input) : flatten(input as AsyncIterable<Json>);
      case "last":
        return last(plain());
      case "take":
        return take(plain(), st.count);
      case "where":
        return where(input, step.name, st.test, st.loc);
      case "map":
        return map(input, step.name, st.expr, st.loc);
      case "group":
        return groupBy(plain(), step.name, st.key, st.loc);
    }
  };

  const runStep = async (step: StepIR): Promise<void> => {
    const s = stats.get(step.name)!;
    s.state = "running";
    s.startedAt = Date.now();
    events.publish({ type: "step.started", step: step.name, time: s.startedAt });
    const outs = readers.get(step.name)!;
    try {
      const src = step.source;
      let it: AsyncIterable<Flowing> =
        src.kind === "step" || src.kind === "merge" || src.kind === "join"
          ? inputs.get(step.name)!
          : independentSource(src, { step: step.name, signal, pondRows: options.pondRows, globFiles: options.globFiles });
      if (monitor && src.kind !== "step" && src.kind !== "merge" && src.kind !== "join") it = monitor.reading(it);
      let rounded = sourceHasRounds(step, withRounds);
      for (const st of step.stages) {
        it = applyStage(step, it, st, rounded);
        rounded = st.kind === "call" ? st.hold || rounded : KEEPS_ROUNDS.has(st.kind) && rounded;
      }
      if (outs.length === 0) {
        // nobody reads this step: run it for its effects
        await readAll(it, (v) => void (v instanceof RoundMark || s.emitted++));
      } else {
        await broadcast(it, outs, (v) => void (v instanceof RoundMark || s.emitted++));
      }
      for (const c of inputChannels.get(step.name) ?? []) c.detach();
      s.state = "done";
      s.finishedAt = Date.now();
      events.publish({ type: "step.finished", step: step.name, items: s.emitted, time: s.finishedAt });
    } catch (err) {
      // a step stopped by the run's cancellation did not fail itself
      const cancelled = signal.aborted;
      s.state = cancelled ? "cancelled" : "failed";
      s.finishedAt = Date.now();
      for (const o of outs) o.abort(err);
      if (cancelled) events.publish({ type: "step.cancelled", step: step.name, time: s.finishedAt });
      else events.publish({ type: "step.failed", step: step.name, error: err instanceof Error ? err.message : String(err), time: s.finishedAt });
      throw err;
    }
  };

  events.publish({ type: "run.started", runId, flow: ir.flow, steps: ir.steps.map((s) => s.name), time: Date.now() });
  let first: unknown;
  const guard = (p: Promise<void>): Promise<void> =>
    p.catch((err) => {
      if (first === undefined) {
        first = err;
        controller.abort(err);
        for (const list of readers.values()) for (const c of list) c.abort(err);
      }
    });
  const onAbort = (): void => {
    if (first === undefined) {
      first = signal.reason;
      for (const list of readers.values()) for (const c of list) c.abort(signal.reason);
    }
  };
  signal.addEventListener("abort", onAbort, { once: true });
  // a signal aborted before the run (a Ctrl-C while the workers started): no step starts;
  // the stages only hear an abort that happens while they run
  if (signal.aborted) first = signal.reason;
  else await Promise.all([...ir.steps.map((s) => guard(runStep(s))), ...sinkTasks.map((t) => guard(t()))]);
  monitor?.stop();
  progress.stop();
  options.signal?.removeEventListener("abort", onOuterAbort);
  const elapsedMs = performance.now() - t0;
  if (first !== undefined) {
    const message = first instanceof Error ? first.message : String(first);
    // cancelled by the caller (Ctrl-C, an abort signal); a worker's fatal report aborts the
    // outer signal too, but with its own error: that run failed
    if (options.signal?.aborted && options.signal.reason instanceof RunCancelledError)
      events.publish({ type: "run.cancelled", runId, reason: message, elapsedMs, time: Date.now() });
    else events.publish({ type: "run.failed", runId, error: message, elapsedMs, time: Date.now() });
    throw first;
  }
  events.publish({ type: "run.finished", runId, result, elapsedMs, calls: callCounts(stats.values()), time: Date.now() });
  return { result, stats: [...stats.values()], elapsedMs };
}
