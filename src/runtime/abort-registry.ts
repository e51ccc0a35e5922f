/**
 * Subscribing many callbacks to one AbortSignal is O(n) per removal with
 * addEventListener (Node keeps a list); with a thousand calls in flight that cost is
 * quadratic. Here each signal gets one real listener and a Set of callbacks: O(1) both
 * ways.
 */
const callbacks = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();

/** Runs `fn` when `signal` aborts (at once if it has); returns the unsubscribe function. */
export function onAbort(signal: AbortSignal, fn: (reason: unknown) => void): () => void {
  if (signal.aborted) {
    fn(signal.reason);
    return () => undefined;
  }
  let set = callbacks.get(signal);
  if (!set) {
    const fresh = new Set<(reason: unknown) => void>();
    set = fresh;
    callbacks.set(signal, fresh);
    signal.addEventListener(
      "abort",
      () => {
        callbacks.delete(signal);
        for (const f of fresh) f(signal.reason);
      },
      { once: true },
    );
  }
  set.add(fn);
  const s = set;
  return () => void s.delete(fn);
}
