import { describe, expect, it } from "vitest";
import { UsageError } from "./errors.js";
import { collectParam } from "./flow-input.js";

describe("--param", () => {
  it("collects name=value pairs, keeping = in the value", () => {
    expect(collectParam('cfg={"a":"b=c"}', collectParam("shards=32"))).toEqual({ shards: "32", cfg: '{"a":"b=c"}' });
  });

  it("refuses a param given twice rather than silently keeping the last", () => {
    expect(() => collectParam("shards=5", collectParam("shards=4"))).toThrow(UsageError);
    expect(() => collectParam("shards=5", collectParam("shards=4"))).toThrow("--param shards given twice (shards=4, then shards=5)");
  });

  it("refuses a missing name or =", () => {
    expect(() => collectParam("shards")).toThrow("expected name=value");
    expect(() => collectParam("=3")).toThrow("expected name=value");
  });
});
