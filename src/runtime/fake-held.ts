/**
 * An in-process dispatcher that runs plain and held methods as functions, with the worker
 * SDK's rules for signals (per-name queues, "awaiting" only on an empty queue, rounds =
 * signal values taken). For the engine's tests: no processes, no gRPC.
 */
import type { Json } from "../ir/types.js";
import type { CallRequest, Dispatcher, HeldHandle, HeldRequest } from "./dispatcher.js";

export class FakeSignalEnded extends Error {
  readonly remoteType = "SignalEndedError";
  readonly retryable = false;
  constructor(name: string) {
    super(`signal "${name}" has ended`);
  }
}

export interface FakeHeldCtx {
  readonly attempt: number;
  readonly abortSignal: AbortSignal;
  signal(name: string): Promise<Json>;
  signals(name: string): AsyncIterable<Json>;
  /** Reports progress, as a worker's ctx.progress does. */
  progress(fraction: number, message: string): void;
}

type Plain = (input: any, req: CallRequest) => Promise<Json> | Json;
type Held = (input: any, ctx: FakeHeldCtx) => AsyncGenerator<Json, Json>;

interface Queue {
  values: Json[];
  ended: boolean;
  taken: number;
  waiter?: { resolve(v: Json): void; reject(e: unknown): void };
}

export interface FakeDispatcher extends Dispatcher {
  calls: CallRequest[];
  held: HeldRequest[];
  /** Signals sent to held calls, in order, as [call input, name, value]. */
  signalsSent: Array<[Json, string, Json]>;
}

export function fakeDispatcher(plain: Record<string, Plain>, held: Record<string, Held> = {}, replicas = 2): FakeDispatcher {
  const calls: CallRequest[] = [];
  const heldCalls: HeldRequest[] = [];
  const signalsSent: Array<[Json, string, Json]> = [];
  let next = 0;
  return {
    calls,
    held: heldCalls,
    signalsSent,
    async call(req) {
      calls.push(req);
      const m = plain[req.method];
      if (!m) throw Object.assign(new Error(`unknown method ${req.method}`), { retryable: false });
      return await m(req.input, req);
    },
    async hold(req: HeldRequest): Promise<HeldHandle> {
      heldCalls.push(req);
      const m = held[req.method];
      if (!m) throw Object.assign(new Error(`unknown held method ${req.method}`), { retryable: false });
      const queues = new Map<string, Queue>();
      const q = (name: string): Queue => {
        let x = queues.get(name);
        if (!x) queues.set(name, (x = { values: [], ended: false, taken: 0 }));
        return x;
      };
      let rounds = 0;
      const ctx: FakeHeldCtx = {
        attempt: req.attempt,
        abortSignal: req.signal,
        progress: (fraction, message) => req.progress?.(fraction, message),
        signal(name) {
          const queue = q(name);
          if (req.signal.aborted) return Promise.reject(req.signal.reason);
          if (queue.values.length > 0) {
            queue.taken++;
            rounds++;
            return Promise.resolve(queue.values.shift()!);
          }
          if (queue.ended) return Promise.reject(new FakeSignalEnded(name));
          const waiting = new Promise<Json>((resolve, reject) => (queue.waiter = { resolve, reject }));
          req.onAwaiting(name, rounds, queue.taken);
          return waiting;
        },
        async *signals(name) {
          for (;;) {
            try {
              yield await ctx.signal(name);
            } catch (err) {
              if (err instanceof FakeSignalEnded) return;
              throw err;
            }
          }
        },
      };
      req.signal.addEventListener(
        "abort",
        () => {
          for (const x of queues.values()) x.waiter?.reject(req.signal.reason);
        },
        { once: true },
      );
      const it = m(req.input, ctx);
      const result = (async (): Promise<Json> => {
        // the call starts after hold() returns, as a remote one would
        await Promise.resolve();
        for (;;) {
          if (req.signal.aborted) throw Object.assign(new Error("cancelled"), { retryable: false });
          const step = await it.next();
          if (step.done) return step.value;
          req.onYield(step.value, rounds);
        }
      })();
      result.catch(() => undefined);
      return {
        replica: next++ % replicas,
        signal(name, value) {
          signalsSent.push([req.input, name, value]);
          const queue = q(name);
          const w = queue.waiter;
          if (w) {
            queue.waiter = undefined;
            queue.taken++;
            rounds++;
            w.resolve(value);
          } else queue.values.push(value);
        },
        end(name) {
          const queue = q(name);
          queue.ended = true;
          const w = queue.waiter;
          queue.waiter = undefined;
          w?.reject(new FakeSignalEnded(name));
        },
        result,
      };
    },
  };
}
