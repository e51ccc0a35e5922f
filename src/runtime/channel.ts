import { STOP, readAll, type PollableIterator } from "./read-all.js";

/**
 * A bounded async queue between two steps. `send` waits while the buffer is full
 * (backpressure); `close` ends the stream after what is buffered; `abort` ends it at once
 * with an error for the receiver. A receiver that stops early calls `detach`, after
 * which sends are dropped, so one slow or finished reader never blocks a tee.
 */
export class Channel<T> implements AsyncIterable<T> {
  /** Items taken from any channel so far: a loop is quiescent only while this stands still. */
  static moves = 0;
  private readonly buffer: T[] = [];
  private closed = false;
  private detached = false;
  private failure: { error: unknown } | undefined;
  private readonly senders: Array<() => void> = [];
  /** A receiver waiting for the next item, the end or the failure. */
  private receiver: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;

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

  /**
   * Sends without waiting when it can: true if the value was taken (or dropped, for a
   * detached receiver); false if the caller must `send` it (full, closed or failed), which
   * waits or throws as it should. Spares a promise per item when there is room.
   */
  offer(value: T): boolean {
    if (this.failure || this.closed) return false;
    if (this.detached) return true;
    if (this.buffer.length >= this.capacity) return false;
    this.buffer.push(value);
    this.wakeReceiver();
    return true;
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

  /**
   * The receiver's side. A plain iterator rather than an async generator: an item costs
   * one promise, resolved at once when buffered or handed over by the sender otherwise.
   */
  [Symbol.asyncIterator](): PollableIterator<T> {
    return {
      next: () => this.receive(),
      // what is buffered (or the end, or the failure) without a promise: see readAll
      poll: () => (this.failure || this.buffer.length > 0 || this.closed ? this.take() : undefined),
      return: () => {
        this.stopReading();
        // a read still pending (a merge racing its inputs) ends with the reader: left
        // waiting, a later abort would reject it with nobody listening
        const pending = this.receiver;
        this.receiver = undefined;
        pending?.resolve({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private receive(): Promise<IteratorResult<T>> {
    if (this.failure || this.buffer.length > 0 || this.closed) {
      try {
        return Promise.resolve(this.take());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise((resolve, reject) => (this.receiver = { resolve, reject }));
  }

  /** What the receiver gets next, once there is something: an item, the end, or the failure (thrown). */
  private take(): IteratorResult<T> {
    if (this.failure) {
      this.stopReading();
      throw this.failure.error;
    }
    if (this.buffer.length > 0) {
      Channel.moves++;
      const value = this.buffer.shift()!;
      // one slot freed: one waiting sender may go (waking all would make n waiters cost n²)
      this.senders.shift()?.();
      return { value, done: false };
    }
    return { value: undefined, done: true };
  }

  /** The receiver leaves (break, return, a failure): release the senders. */
  private stopReading(): void {
    if (!this.closed || this.buffer.length > 0) this.detach();
  }

  /** Hands a waiting receiver its next result at once (no second promise step). */
  private wakeReceiver(): void {
    const r = this.receiver;
    if (!r) return;
    this.receiver = undefined;
    try {
      r.resolve(this.take());
    } catch (err) {
      r.reject(err);
    }
  }

  private wakeSenders(): void {
    const waiting = this.senders.splice(0);
    for (const s of waiting) s();
  }
}

/**
 * Copies every item of `source` to every output (a tee); closes them all at the end.
 * `onItem` sees each item as it is read (the step's count, without a stage of its own).
 */
export async function broadcast<T>(source: AsyncIterable<T>, outputs: Channel<T>[], onItem?: (v: T) => void): Promise<void> {
  try {
    if (outputs.length === 1) {
      // the common case: no tee, no array per item, no promise while there is room
      const only = outputs[0]!;
      await readAll(source, (v) => {
        onItem?.(v);
        if (only.isDetached) return STOP;
        if (!only.offer(v)) return only.send(v);
      });
    } else {
      await readAll(source, (v) => {
        onItem?.(v);
        const live = outputs.filter((o) => !o.isDetached);
        if (live.length === 0) return STOP;
        return Promise.all(live.map((o) => o.send(v))).then(() => undefined);
      });
    }
    for (const o of outputs) o.close();
  } catch (err) {
    for (const o of outputs) o.abort(err);
    throw err;
  }
}
