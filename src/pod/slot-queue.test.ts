import { describe, expect, it } from "vitest";
import { SlotQueue } from "./slot-queue.js";

describe("SlotQueue", () => {
  it("wakes every waiter at once with wakeAll", async () => {
    const q = new SlotQueue();
    const woken: number[] = [];
    const all = [0, 1, 2, 3, 4, 5].map((i) => q.wait(new AbortController().signal).then(() => woken.push(i)));
    q.wakeAll();
    await Promise.all(all);
    expect(woken).toEqual([0, 1, 2, 3, 4, 5]);
    expect(q.size).toBe(0);
  });

  it("wakes the longest waiter with wakeOne, and skips one whose signal aborted", async () => {
    const q = new SlotQueue();
    const woken: string[] = [];
    const ac = new AbortController();
    const a = q.wait(ac.signal).then(
      () => woken.push("a"),
      (e: unknown) => woken.push(`a aborted: ${(e as Error).message}`),
    );
    const b = q.wait(new AbortController().signal).then(() => woken.push("b"));
    ac.abort(new Error("gone"));
    await a;
    q.wakeOne();
    await b;
    expect(woken).toEqual(["a aborted: gone", "b"]);
    expect(q.size).toBe(0);
  });

  it("refuses at once when the signal already aborted", async () => {
    const ac = new AbortController();
    ac.abort(new Error("late"));
    await expect(new SlotQueue().wait(ac.signal)).rejects.toThrow("late");
  });
});
