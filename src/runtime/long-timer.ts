/**
 * A timer for any delay: Node's setTimeout holds at most 2^31 - 1 ms (~24.8 days) and fires
 * after 1 ms for anything longer, which would end a `timeout 30d` call at once. Longer
 * delays are waited in steps.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  const due = Date.now() + ms;
  let t: NodeJS.Timeout;
  const arm = (left: number): void => {
    t = setTimeout(() => {
      const rest = due - Date.now();
      if (rest > 0) arm(rest);
      else fn();
    }, Math.min(Math.max(0, left), MAX_TIMER_MS));
  };
  arm(ms);
  return { clear: () => clearTimeout(t) };
}
