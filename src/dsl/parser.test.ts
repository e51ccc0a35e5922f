import { describe, expect, it } from "vitest";
import { parse } from "./parser.js";

describe("parser", () => {
  it("parses every member kind with spans", () => {
    const text = [
      "flow f(n: int = 2, t: duration = 30s) {",
      '  worker w { run "node w.js" image "img:1" replicas 2 env {A: "1"} cpu 500m memory 1Gi }',
      '  worker remote { at "10.0.0.1:7000", "unix:/tmp/w.sock" }',
      "  timeout 10m retry 3 backoff 1s",
      "  xs = range(n) | w.f(x: item) parallel 4 ordered on error skip",
      "  ys = xs",
      "    | w.g hold",
      "  zs = ys | gather by round | reduce w.add | flatten | last | take 1",
      '  ys <- zs as "sig"',
      '  into pond.table("t") zs',
      '  into land("out/z.jsonl") zs',
      "  emit zs, xs",
      "}",
    ].join("\n");
    const { file, diagnostics } = parse(text);
    expect(diagnostics).toEqual([]);
    const flow = file.flow!;
    expect(flow.params.map((p) => p.name.name)).toEqual(["n", "t"]);
    expect(flow.members.map((m) => m.kind)).toEqual(["worker", "worker", "defaults", "binding", "binding", "binding", "signal", "into", "into", "emit"]);
    const zs = flow.members[5]!;
    expect(zs.kind === "binding" && zs.stages.map((s) => s.kind)).toEqual(["gather", "reduce", "flatten", "last", "take"]);
    const ys = flow.members[4]!;
    expect(ys.kind === "binding" && ys.stages[0]!.options.map((o) => o.kind)).toEqual(["hold"]);
    expect(text.slice(ys.span.start, ys.span.end)).toBe("ys = xs\n    | w.g hold");
  });

  it("recovers after an error and reports every broken member in one pass", () => {
    const text = ["flow f() {", "  a = range(3) | ", "  b = range(3) | w.f(x: ) ", "  c = range(3) | bogus stage", "  emit a b", "}"].join("\n");
    const { diagnostics, file } = parse(text);
    expect(diagnostics.map((d) => d.code)).toEqual(["QB1005", "QB1004", "QB1005", "QB1004"]);
    expect(file.flow!.members.map((m) => (m.kind === "binding" ? `${m.name.name}${m.broken ? "!" : ""}` : m.kind))).toEqual(["a!", "b!", "c!", "emit"]);
  });

  it("reports text before and after the flow", () => {
    expect(parse("x = 1").diagnostics.map((d) => d.code)).toEqual(["QB1010"]);
    expect(parse("flow f() {\n}\nflow g() {}").diagnostics.map((d) => d.code)).toEqual(["QB1010"]);
    expect(parse("flow f() {\n  emit x\n").diagnostics.map((d) => d.message)).toEqual(["expected `}` to close the flow, found end of file"]);
  });

  it("suggests the option or property that was meant", () => {
    const { diagnostics } = parse('flow f() {\n  worker w { rnu "x" }\n  a = range(1) | w.f paralel 2\n}');
    expect(diagnostics.map((d) => [d.code, d.help])).toEqual([
      ["QB1007", "did you mean `run`?"],
      ["QB1008", "did you mean `parallel`?"],
    ]);
  });

  it("bounds nesting depth", () => {
    const { diagnostics } = parse(`flow f() {\n  a = [${"[".repeat(500)}${"]".repeat(500)}]\n}`);
    expect(diagnostics.map((d) => d.code)).toContain("QB1009");
  });
});

describe("parser limits", () => {
  it("bounds operators per member, not per file", () => {
    const lines = Array.from({ length: 300 }, (_, i) => `  s${i} = range(1) | w.f(x: ${Array(20).fill("1").join(" + ")})`);
    const { diagnostics } = parse(`flow f() {\n${lines.join("\n")}\n}`);
    expect(diagnostics).toEqual([]);
  });
});
