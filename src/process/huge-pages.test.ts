import { describe, expect, it } from "vitest";
import { HUGE_PAGES_TUNABLE, withHugePages } from "./huge-pages.js";

describe("GLIBC_TUNABLES for a worker", () => {
  it("asks for huge pages unless the worker has tunables of its own, which it keeps as they are", () => {
    expect(withHugePages(undefined)).toBe(HUGE_PAGES_TUNABLE);
    expect(withHugePages("")).toBe(HUGE_PAGES_TUNABLE);
    expect(withHugePages("glibc.malloc.arena_max=2")).toBe("glibc.malloc.arena_max=2");
    expect(withHugePages("glibc.malloc.hugetlb=0")).toBe("glibc.malloc.hugetlb=0");
  });
});
