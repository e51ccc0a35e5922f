import { setMaxListeners } from "node:events";
import { Channel } from "./channel.js";

/**
 * Applies `fn` to every input with at most `limit` calls in flight, yielding the outputs
 * of each call as they finish, or in input order when `ordered`. The first failure stops
 * new calls, aborts the running ones through their signal and is rethrown to the reader;
 * a reader that stops early aborts them too. Memory stays bounded by `limit`.
 */
export async function* mapConcurrent<I, O>(
  input: AsyncIterable<I>,
  limit: number,
  ordered: boolean,
  fn: (value: I, index: number, signal: AbortSignal) => Promise<O[]>,
  parentSignal?: AbortSignal,
): AsyncGenerator<O> {
  const controller = new AbortController();
  // every call in flight listens to this signal
  setMaxListeners(0, controller.signal);
  const onParentAbort = (): void => controller.abort(parentSignal?.reason);
  parentSignal?.addEventListener("abort", onParentAbort, { once: true });
  const out = new Channel<O[]>(Math.max(1, limit));
  let inFlight = 0;
  let slotFree: (() => void) | undefined;
  // ordered: results wait here until every earlier index has been released
  const pending = new Map<number, O[]>();
  let nextToRelease = 0;
  let failed = false;
  let inputDone = false;

  const fail = (err: unknown): void => {
    if (failed) return;
    failed = true;
    controller.abort(err);
    out.abort(err);
  };

  // ordered: sends every output whose turn has come
  const release = async (index: number, values: O[]): Promise<void> => {
    pending.set(index, values);
    while (pending.has(nextToRelease)) {
      const v = pending.get(nextToRelease)!;
      pending.delete(nextToRelease++);
      if (v.length) await out.send(v);
    }
  };

  const callEnded = (): void => {
    inFlight--;
    const r = slotFree;
    slotFree = undefined;
    r?.();
    if (inputDone && inFlight === 0 && !failed) out.close();
  };
  const callFailed = (err: unknown): void => {
    fail(err);
    callEnded();
  };
  // unordered: outputs go on as they come; with room in the channel, no promise or async frame
  const outputsReady = (values: O[]): void | Promise<void> => {
    if (values.length === 0 || out.offer(values)) return callEnded();
    return out.send(values).then(callEnded, callFailed);
  };
  // ordered: one async function per call, as its outputs may wait for earlier ones
  const runOrdered = async (call: Promise<O[]>, i: number): Promise<void> => {
    try {
      await release(i, await call);
    } catch (err) {
      fail(err);
    } finally {
      callEnded();
    }
  };
  const runOne = (value: I, i: number): void => {
    let call: Promise<O[]>;
    try {
      call = fn(value, i, controller.signal);
    } catch (err) {
      return callFailed(err);
    }
    if (ordered) void runOrdered(call, i);
    else void call.then(outputsReady, callFailed);
  };

  const pump = (async () => {
    let index = 0;
    try {
      for await (const value of input) {
        if (failed || controller.signal.aborted) break;
        while (inFlight >= limit) await new Promise<void>((r) => (slotFree = r));
        if (failed || controller.signal.aborted) break;
        const i = index++;
        inFlight++;
        runOne(value, i);
      }
    } catch (err) {
      fail(err);
    }
    inputDone = true;
    if (inFlight === 0 && !failed) out.close();
  })();

  try {
    for await (const values of out) {
      // most calls give one output: skip the array iterator that `yield*` would make
      if (values.length === 1) yield values[0]!;
      else yield* values;
    }
    await pump;
  } finally {
    parentSignal?.removeEventListener("abort", onParentAbort);
    if (!controller.signal.aborted && (inFlight > 0 || !inputDone)) controller.abort(new Error("reader stopped"));
  }
}
