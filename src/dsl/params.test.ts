import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";

const FLOW = `flow p(n: int = 1, f: float = 0.5, b: bool = false, s: string = "x", d: duration = 1s, j: json = null) {
  worker w { run "x" }
  xs = [n] | w.f
  emit xs
}`;

const values = (params: Record<string, unknown>) => {
  const r = compile(FLOW, { params: params as never });
  return { params: Object.fromEntries((r.ir?.params ?? []).map((p) => [p.name, p.value])), errors: r.diagnostics.map((d) => `${d.code} ${d.message}`) };
};

describe("param values", () => {
  it("parses strings by the param's type, as --param does", () => {
    expect(values({ n: "4", f: "2.5", b: "true", s: "hello", d: "2s", j: '{"a":1}' }).params).toEqual({
      n: 4,
      f: 2.5,
      b: true,
      s: "hello",
      d: 2000,
      j: { a: 1 },
    });
  });

  it("takes typed values from the library as they are when they fit the type", () => {
    expect(values({ n: 4, f: 2, b: true, d: 1500, j: [1, "two"] })).toEqual({ params: { n: 4, f: 2, b: true, s: "x", d: 1500, j: [1, "two"] }, errors: [] });
  });

  it("reports a typed value that does not fit, naming the param and the value", () => {
    expect(values({ n: 2.5 }).errors).toEqual(["QB3003 --param n=2.5: not a valid int"]);
    expect(values({ b: 1 }).errors).toEqual(["QB3003 --param b=1: not a valid bool"]);
    expect(values({ s: 3 }).errors).toEqual(["QB3003 --param s=3: not a valid string"]);
    expect(values({ d: -1 }).errors).toEqual(["QB3003 --param d=-1: not a valid duration"]);
  });
});
