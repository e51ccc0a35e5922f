/** The signals of one held call, by name: values queue until the method awaits them. */
import { SignalEndedError } from "./errors.js";
import type { Value } from "./types.js";

interface Waiter {
  resolve(v: Value): void;
  reject(e: unknown): void;
}

export class SignalQueue {
  private readonly values: Value[] = [];
  private readonly waiters: Waiter[] = [];
  private ended = false;
  /** Values the method has taken so far (told to the quarterback with "awaiting"). */
  taken = 0;

  constructor(readonly name: string) {}

  /** A value now if one is queued; SignalEndedError if ended; otherwise undefined (the caller waits). */
  take(): { value: Value } | undefined {
    if (this.values.length > 0) {
      this.taken++;
      return { value: this.values.shift() as Value };
    }
    if (this.ended) throw new SignalEndedError(this.name);
    return undefined;
  }

  wait(): Promise<Value> {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Delivers a value; true when a waiting method took it. */
  push(v: Value): boolean {
    const w = this.waiters.shift();
    if (w) {
      this.taken++;
      w.resolve(v);
      return true;
    }
    this.values.push(v);
    return false;
  }

  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w.reject(new SignalEndedError(this.name));
  }

  fail(reason: unknown): void {
    for (const w of this.waiters.splice(0)) w.reject(reason);
  }
}
