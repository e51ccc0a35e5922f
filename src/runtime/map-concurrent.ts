import { setMaxListeners } from "node:events";
import { Channel } from "./channel.js";
import { readAll, STOP, type PollableIterator } from "./read-all.js";

/**
 * Applies `fn` to every input with at most `limit` calls in flight, giving the outputs of
 * each call as they finish, or in input order when `ordered`. The first failure stops new
 * calls, aborts the running ones through their signal and is rethrown to the reader; a
 * reader that stops early aborts them too. Memory stays bounded by `limit`.
 *
 * Nothing starts until the reader starts reading. The reader reads the output channel
 * itself (no async generator in between: an output costs one promise, not a round of them).
 */
export function mapConcurrent<I, O>(
  input: AsyncIterable<I>,
  limit: number,
  ordered: boolean,
  fn: (value: I, index: number, signal: AbortSignal) => Promise<O[]>,
  parentSignal?: AbortSignal,
): AsyncIterable<O> {
  const controller = new AbortController();
  // every call in flight listens to this signal
  setMaxListeners(0, controller.signal);
  // the run is cancelled: end the outputs now, not when the calls in flight settle (a
  // worker busy on the CPU answers its cancel only when it is done)
  const onParentAbort = (): void => fail(parentSignal?.reason);
  const out = new Channel<O>(Math.max(1, limit));
  let inFlight = 0;
  let slotFree: (() => void) | undefined;
  // ordered: results wait here until every earlier index has been released
  const pending = new Map<number, O[]>();
  let nextToRelease = 0;
  let failed = false;
  let inputDone = false;
  let started = false;

  const finished = (): void => parentSignal?.removeEventListener("abort", onParentAbort);
  const fail = (err: unknown): void => {
    if (failed) return;
    failed = true;
    controller.abort(err);
    out.abort(err);
    finished();
  };
  const closeIfDone = (): void => {
    if (inputDone && inFlight === 0 && !failed) {
      out.close();
      finished();
    }
  };

  const sendAll = async (values: O[]): Promise<void> => {
    for (const v of values) if (!out.offer(v)) await out.send(v);
  };

  // ordered: one loop at a time sends every output whose turn has come, and ends each
  // call once its outputs are in the channel (so calls in flight still bound the memory)
  let draining = false;
  const drain = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    try {
      while (pending.has(nextToRelease)) {
        const values = pending.get(nextToRelease)!;
        pending.delete(nextToRelease++);
        try {
          await sendAll(values);
        } catch (err) {
          fail(err);
        }
        callEnded();
      }
    } finally {
      draining = false;
    }
  };

  const callEnded = (): void => {
    inFlight--;
    const r = slotFree;
    slotFree = undefined;
    r?.();
    closeIfDone();
  };
  const callFailed = (err: unknown): void => {
    fail(err);
    callEnded();
  };
  // unordered: outputs go on as they come; with room in the channel, no promise or async frame
  const outputsReady = (values: O[]): void | Promise<void> => {
    if (values.length === 0 || (values.length === 1 && out.offer(values[0]!))) return callEnded();
    return sendAll(values).then(callEnded, callFailed);
  };
  // ordered: a call's outputs wait for every earlier call's
  const runOrdered = async (call: Promise<O[]>, i: number): Promise<void> => {
    let values: O[];
    try {
      values = await call;
    } catch (err) {
      return callFailed(err);
    }
    pending.set(i, values);
    await drain();
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

  const pump = async (): Promise<void> => {
    let index = 0;
    const waitForSlot = async (value: I): Promise<typeof STOP | undefined> => {
      while (inFlight >= limit) await new Promise<void>((r) => (slotFree = r));
      if (failed || controller.signal.aborted) return STOP;
      inFlight++;
      runOne(value, index++);
      return undefined;
    };
    try {
      // the inputs a source already holds go out without a promise each while slots are free
      await readAll(input, (value) => {
        if (failed || controller.signal.aborted) return STOP;
        if (inFlight >= limit) return waitForSlot(value);
        inFlight++;
        runOne(value, index++);
      });
    } catch (err) {
      fail(err);
    }
    inputDone = true;
    closeIfDone();
  };

  return {
    [Symbol.asyncIterator](): PollableIterator<O> {
      if (started) throw new Error("mapConcurrent: its outputs can be read only once");
      started = true;
      parentSignal?.addEventListener("abort", onParentAbort, { once: true });
      void pump();
      const reader = out[Symbol.asyncIterator]();
      return {
        next: () => reader.next(),
        poll: () => reader.poll(),
        // the reader stops early: abort what is still running
        return: () => {
          finished();
          if (!controller.signal.aborted && (inFlight > 0 || !inputDone)) controller.abort(new Error("reader stopped"));
          return reader.return!();
        },
      };
    },
  };
}
