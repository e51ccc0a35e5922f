import { describe, expect, it } from "vitest";
import { onAbort } from "./abort-registry.js";

describe("onAbort", () => {
  it("calls every subscriber once with the reason, not the unsubscribed ones", () => {
    const c = new AbortController();
    const got: unknown[] = [];
    const offs = Array.from({ length: 5 }, (_, i) => onAbort(c.signal, (r) => got.push([i, r])));
    offs[1]!();
    offs[3]!();
    c.abort("why");
    c.abort("again");
    expect(got).toEqual([
      [0, "why"],
      [2, "why"],
      [4, "why"],
    ]);
  });
  it("calls at once for a signal already aborted", () => {
    const got: unknown[] = [];
    onAbort(AbortSignal.abort("done"), (r) => got.push(r));
    expect(got).toEqual(["done"]);
  });
});
