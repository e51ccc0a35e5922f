import { setMaxListeners } from "node:events";
import { Channel } from "./channel.js";

/**
 * Tree-shaped reduce: combines two values as soon as two are ready, with up to `limit`
 * combinations in flight, feeding each result back until one value is left. The order
 * of combination follows arrival, so `combine` must be associative and commutative.
 * Yields nothing for an empty input.
 */
export async function* reduceTree<T>(
  input: AsyncIterable<T>,
  limit: number,
  combine: (left: T, right: T, signal: AbortSignal) => Promise<T>,
  parentSignal?: AbortSignal,
): AsyncGenerator<T> {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const ready: T[] = [];
  let inFlight = 0;
  let inputDone = false;
  let failure: { error: unknown } | undefined;
  // woken whenever a value becomes ready or a combination ends
  const wake = new Channel<null>(1);
  const poke = (): void => {
    if (wake.size === 0) void wake.send(null).catch(() => undefined);
  };
  // the run is cancelled: stop now, not when the combinations in flight settle
  const onParentAbort = (): void => {
    failure ??= { error: parentSignal?.reason };
    controller.abort(parentSignal?.reason);
    poke();
  };
  parentSignal?.addEventListener("abort", onParentAbort, { once: true });

  const startPairs = (): void => {
    while (!failure && ready.length >= 2 && inFlight < limit) {
      const left = ready.shift()!;
      const right = ready.shift()!;
      inFlight++;
      combine(left, right, controller.signal).then(
        (v) => {
          inFlight--;
          ready.push(v);
          poke();
        },
        (err) => {
          inFlight--;
          if (!failure) failure = { error: err };
          controller.abort(err);
          poke();
        },
      );
    }
  };

  const pump = (async () => {
    try {
      for await (const v of input) {
        if (failure) break;
        ready.push(v);
        poke();
        // bound memory: wait while many values wait for a free combiner
        while (!failure && ready.length >= 2 * limit + 2) await new Promise((r) => setTimeout(r, 0));
      }
    } catch (err) {
      if (!failure) failure = { error: err };
      controller.abort(err);
    }
    inputDone = true;
    poke();
  })();

  try {
    for await (const _ of wake) {
      if (failure) break;
      startPairs();
      if (inputDone && inFlight === 0 && ready.length <= 1) break;
    }
    await pump;
    if (failure) throw failure.error;
    if (ready.length === 1) yield ready[0]!;
  } finally {
    parentSignal?.removeEventListener("abort", onParentAbort);
    if (inFlight > 0 && !controller.signal.aborted) controller.abort(new Error("reader stopped"));
    wake.close();
  }
}
