import { afterEach, describe, expect, it, vi } from "vitest";
import { clearLongTimeout, setLongTimeout } from "./long-timer.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("setLongTimeout", () => {
  it("fires after a delay longer than a Node timer holds, not at once", () => {
    vi.useFakeTimers();
    let fired = 0;
    const day = 86_400_000;
    setLongTimeout(() => fired++, 30 * day);
    vi.advanceTimersByTime(1_000);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(29 * day);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(day);
    expect(fired).toBe(1);
  });

  it("fires a short delay once, and not after clear", () => {
    vi.useFakeTimers();
    let fired = 0;
    setLongTimeout(() => fired++, 50);
    const cleared = setLongTimeout(() => fired++, 50);
    clearLongTimeout(cleared);
    vi.advanceTimersByTime(100);
    expect(fired).toBe(1);
  });
});
