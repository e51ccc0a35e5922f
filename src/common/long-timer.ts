/**
 * A timer for any delay: Node's setTimeout holds at most 2^31 - 1 ms (~24.8 days) and fires
 * after 1 ms for anything longer, which would end a `timeout 30d` call at once. A delay
 * that fits is a plain setTimeout (monotonic, one object); a longer one is waited in
 * steps, measured on the monotonic clock so that a wall-clock step cannot stretch it.
 */
/** The longest delay a Node timer (and grpc-js's deadline header) holds: 2^31 - 1 ms, ~24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

export function setLongTimeout(fn: () => void, ms: number): LongTimer | NodeJS.Timeout {
  if (ms <= MAX_TIMER_MS) return setTimeout(fn, ms);
  const due = performance.now() + ms;
  let t: NodeJS.Timeout;
  const arm = (left: number): void => {
    t = setTimeout(
      () => {
        const rest = due - performance.now();
        if (rest > 0) arm(rest);
        else fn();
      },
      Math.min(Math.max(0, left), MAX_TIMER_MS),
    );
  };
  arm(ms);
  return { clear: () => clearTimeout(t) };
}

/** Stops a timer made by setLongTimeout. */
export function clearLongTimeout(timer: LongTimer | NodeJS.Timeout | undefined): void {
  if (timer === undefined) return;
  if ("clear" in timer && typeof timer.clear === "function") timer.clear();
  else clearTimeout(timer as NodeJS.Timeout);
}
