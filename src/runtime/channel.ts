/**
 * A bounded async queue between two steps. `send` waits while the buffer is full
 * (backpressure); `close` ends the stream after what is buffered; `abort` ends it at once
 * with an error for the receiver. A receiver that stops early calls `detach`, after
 * which sends are dropped, so one slow or finished reader never blocks a tee.
 */
export class Channel<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private closed = false;
  private detached = false;
  private failure: { error: unknown } | undefined;
  private readonly senders: Array<() => void> = [];
  private receiver: (() => void) | undefined;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`channel capacity must be at least 1, got ${capacity}`);
  }

  get size(): number {
    return this.buffer.length;
  }

  async send(value: T): Promise<void> {
    while (!this.detached && !this.failure && !this.closed && this.buffer.length >= this.capacity) {
      await new Promise<void>((resolve) => this.senders.push(resolve));
    }
    if (this.failure) throw this.failure.error;
    if (this.closed) throw new Error("send on a closed channel");
    if (this.detached) return;
    this.buffer.push(value);
    this.wakeReceiver();
  }

  close(): void {
    this.closed = true;
    this.wakeReceiver();
    this.wakeSenders();
  }

  abort(error: unknown): void {
    if (this.failure || (this.closed && this.buffer.length === 0)) return;
    this.failure = { error };
    this.buffer.length = 0;
    this.wakeReceiver();
    this.wakeSenders();
  }

  /** The receiver needs no more: drop what is buffered and whatever is sent later. */
  detach(): void {
    this.detached = true;
    this.buffer.length = 0;
    this.wakeSenders();
  }

  get isDetached(): boolean {
    return this.detached;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        if (this.failure) throw this.failure.error;
        if (this.buffer.length > 0) {
          const v = this.buffer.shift()!;
          // one slot freed: one waiting sender may go (waking all would make n waiters cost n²)
          this.senders.shift()?.();
          yield v;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => (this.receiver = resolve));
      }
    } finally {
      // leaving the loop early (break, return, throw) releases the senders
      if (!this.closed || this.buffer.length > 0) this.detach();
    }
  }

  private wakeReceiver(): void {
    const r = this.receiver;
    this.receiver = undefined;
    r?.();
  }

  private wakeSenders(): void {
    const waiting = this.senders.splice(0);
    for (const s of waiting) s();
  }
}

/** Copies every item of `source` to every output (a tee); closes them all at the end. */
export async function broadcast<T>(source: AsyncIterable<T>, outputs: Channel<T>[]): Promise<void> {
  try {
    if (outputs.length === 1) {
      // the common case: no tee, no array per item
      const only = outputs[0]!;
      for await (const v of source) {
        if (only.isDetached) break;
        await only.send(v);
      }
    } else {
      for await (const v of source) {
        const live = outputs.filter((o) => !o.isDetached);
        if (live.length === 0) break;
        await Promise.all(live.map((o) => o.send(v)));
      }
    }
    for (const o of outputs) o.close();
  } catch (err) {
    for (const o of outputs) o.abort(err);
    throw err;
  }
}
