/**
 * Session messages coalesced into batched frames (docs/worker-protocol.md, "Batched frames").
 * The first message of an event-loop turn goes at once, alone: at low load a call waits for
 * nothing. What follows it in the same turn goes as one frame at the end of the turn
 * (setImmediate), or sooner when the frame reaches MAX_ITEMS messages or about MAX_BYTES.
 * A gRPC message costs far more than the few bytes of a no-op call in it, so many calls per
 * frame is what lets a stream carry hundreds of thousands of calls a second.
 */

/** Messages per frame at most: a frame is flushed when it has this many. */
export const MAX_ITEMS = 256;
/** About this many bytes per frame at most (by `sizeOf`'s estimate), well under any message limit. */
export const MAX_BYTES = 128 * 1024;
/** A message estimated bigger than this goes in a frame of its own (after what was queued). */
const ALONE_BYTES = MAX_BYTES / 4;

export class FrameBatcher<M> {
  private queue: M[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(
    /** Sends one frame: a message as is, or `frameOf` several. */
    private readonly write: (frame: M) => void,
    /** The frame that carries `items` in order. */
    private readonly frameOf: (items: M[]) => M,
    /** A message's size in bytes on the wire, estimated (it need not be exact). */
    private readonly sizeOf: (msg: M) => number,
  ) {}

  push(msg: M): void {
    if (!this.scheduled) {
      // the first of its turn (nothing is queued): it goes now, and the turn's end is watched
      this.scheduled = true;
      setImmediate(this.onTurnEnd);
      this.write(msg);
      return;
    }
    const size = this.sizeOf(msg);
    if (size > ALONE_BYTES) {
      this.flush();
      this.write(msg);
      return;
    }
    if (this.bytes + size > MAX_BYTES) this.flush();
    this.queue.push(msg);
    this.bytes += size;
    if (this.queue.length >= MAX_ITEMS) this.flush();
  }

  /** Sends what is queued now (before a half-close, say). */
  flush(): void {
    const queued = this.queue;
    if (queued.length === 0) return;
    this.queue = [];
    this.bytes = 0;
    this.write(queued.length === 1 ? queued[0]! : this.frameOf(queued));
  }

  /** Drops what is queued (the stream is gone). */
  clear(): void {
    this.queue = [];
    this.bytes = 0;
  }

  get queued(): number {
    return this.queue.length;
  }

  private readonly onTurnEnd = (): void => {
    this.scheduled = false;
    this.flush();
  };
}
