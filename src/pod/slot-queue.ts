/**
 * Calls waiting for a free slot on one worker's replicas, first come first served. A call
 * waits without a timer of its own: it is woken when a call of that worker ends (one
 * waiter), when a replica comes back or the pod closes (every waiter), or when its signal
 * aborts. A Set keeps arrival order and removes in O(1).
 */
export class SlotQueue {
  private readonly waiters = new Set<() => void>();

  get size(): number {
    return this.waiters.size;
  }

  /** Resolves when woken; rejects with the signal's reason when it aborts first. */
  wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        this.waiters.delete(wake);
        reject(signal.reason);
      };
      const wake = (): void => {
        this.waiters.delete(wake);
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Wakes the longest waiter, if any. */
  wakeOne(): void {
    const first = this.waiters.values().next();
    if (!first.done) first.value();
  }

  /** Wakes every waiter (each takes itself out of the set as it goes). */
  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
