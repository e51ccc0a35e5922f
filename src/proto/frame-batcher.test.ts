/** FrameBatcher: one frame per event-loop turn, bounded by messages and bytes, order kept. */
import { describe, expect, it } from "vitest";
import { FrameBatcher, MAX_BYTES, MAX_ITEMS } from "./frame-batcher.js";

type Msg = { id: number; size: number } | { frame: Msg[] };

function batcher(): { b: FrameBatcher<Msg>; frames: Msg[] } {
  const frames: Msg[] = [];
  const b = new FrameBatcher<Msg>(
    (f) => frames.push(f),
    (items) => ({ frame: items }),
    (m) => ("size" in m ? m.size : 0),
  );
  return { b, frames };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const ids = (f: Msg): number[] => ("frame" in f ? f.frame.map((m) => ("id" in m ? m.id : -1)) : [f.id]);

describe("FrameBatcher", () => {
  it("sends a turn's first message at once, and the rest of the turn as one frame at its end", async () => {
    const { b, frames } = batcher();
    for (let i = 0; i < 5; i++) b.push({ id: i, size: 10 });
    expect(frames).toEqual([{ id: 0, size: 10 }]);
    await turn();
    expect(frames.map(ids)).toEqual([[0], [1, 2, 3, 4]]);
    // a later turn's lone message goes at once, as itself
    await turn();
    b.push({ id: 5, size: 10 });
    expect(frames[2]).toEqual({ id: 5, size: 10 });
  });

  it("flushes at MAX_ITEMS messages without waiting for the turn to end", () => {
    const { b, frames } = batcher();
    for (let i = 0; i < MAX_ITEMS + 4; i++) b.push({ id: i, size: 1 });
    expect(frames.map((f) => ids(f).length)).toEqual([1, MAX_ITEMS]);
    b.flush();
    expect(frames.map(ids)[2]).toEqual([MAX_ITEMS + 1, MAX_ITEMS + 2, MAX_ITEMS + 3]);
  });

  it("keeps a frame under MAX_BYTES and sends a big message alone, in order", async () => {
    const { b, frames } = batcher();
    const quarter = MAX_BYTES / 4;
    b.push({ id: -1, size: 1 }); // the turn's first, alone
    b.push({ id: 0, size: quarter });
    b.push({ id: 1, size: quarter });
    b.push({ id: 2, size: quarter });
    b.push({ id: 3, size: quarter });
    b.push({ id: 4, size: 1 }); // over MAX_BYTES with it: 0-3 go first
    b.push({ id: 5, size: quarter + 1 }); // alone, after 4
    b.push({ id: 6, size: 1 });
    await turn();
    expect(frames.map(ids)).toEqual([[-1], [0, 1, 2, 3], [4], [5], [6]]);
  });

  it("clear drops what is queued; a later turn sends nothing", async () => {
    const { b, frames } = batcher();
    b.push({ id: 0, size: 1 });
    b.push({ id: 1, size: 1 });
    b.push({ id: 2, size: 1 });
    expect(b.queued).toBe(2);
    b.clear();
    await turn();
    expect(frames.map(ids)).toEqual([[0]]);
  });
});
