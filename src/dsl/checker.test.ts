import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { validateIR } from "../ir/validate.js";
import { exampleFlows } from "../../test/support/examples.js";
import type { FlowIR, StageIR } from "../ir/types.js";

const W = '  worker w { run "node w.js" }\n';
function flow(body: string, header = "f()"): string {
  return `flow ${header} {\n${W}${body}\n}\n`;
}
function ir(text: string, params: Record<string, string> = {}): FlowIR {
  const r = compile(text, { params });
  if (!r.ir) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  expect(validateIR(r.ir)).toEqual([]);
  return r.ir;
}
/** The codes of the errors (warnings aside). */
function codes(text: string, params: Record<string, string> = {}): string[] {
  return compile(text, { params })
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => d.code);
}
function stage(f: FlowIR, step: string, i = 0): StageIR {
  return f.steps.find((s) => s.name === step)!.stages[i]!;
}

describe("checker and lowering", () => {
  it.each(exampleFlows())("%s compiles to a schema-valid IR", (_, text) => {
    const r = compile(text);
    expect(r.diagnostics).toEqual([]);
    expect(validateIR(r.ir)).toEqual([]);
  });

  it("folds params into constants and merges flow defaults into call options", () => {
    const text = flow(
      "  timeout 10m retry 1\n  seeds = range(shards)\n  hits = seeds | w.sample(n: samples / shards, seed: item) parallel 4 retry 3 backoff 2s\n  emit hits",
      "pi(samples: int = 1_000, shards: int = 4)",
    );
    const f = ir(text);
    expect(f.steps[0]!.source).toEqual({ kind: "range", count: 4 });
    const call = stage(f, "hits");
    expect(call.kind === "call" && call.input).toEqual({
      kind: "object",
      entries: [
        ["n", { kind: "lit", value: 250 }],
        ["seed", { kind: "item" }],
      ],
    });
    expect(call.kind === "call" && call.options).toEqual({ parallel: 4, timeoutMs: 600_000, retries: 3, backoffMs: 2000, ordered: false, onError: "fail" });
    const g = ir(text, { shards: "8" });
    expect(g.steps[0]!.source).toEqual({ kind: "range", count: 8 });
    expect(g.params.find((p) => p.name === "shards")).toEqual({ name: "shards", type: "int", value: 8, from: "override" });
  });

  it("lets a step or a worker be called item, read as a source and before a method, but not a param", () => {
    expect(codes('flow f() {\n  worker w { run "y" }\n  item = range(3) | w.f\n  y = item | w.g\n  emit y\n}')).toEqual([]);
    expect(codes('flow f() {\n  worker item { run "x" }\n  y = range(3) | item.g(v: item)\n  emit y\n}')).toEqual([]);
    expect(codes('flow f(item: int = 1) {\n  worker w { run "y" }\n  y = range(3) | w.g\n  emit y\n}')).toEqual(["QB2003"]);
  });

  it("checks --param values against the declared types", () => {
    const text = flow("  s = range(n) | w.f(t: t)\n  emit s", "f(n: int = 1, t: duration = 1s, ok: bool = true, j: json = null)");
    expect(ir(text, { t: "90s", ok: "false", j: '{"a":[1]}' }).params.map((p) => p.value)).toEqual([1, 90_000, false, { a: [1] }]);
    expect(codes(text, { n: "1.5" })).toEqual(["QB3003"]);
    expect(codes(text, { t: "90" })).toEqual(["QB3003"]);
    expect(codes(text, { nn: "1" })).toEqual(["QB2006"]);
    expect(compile(text, { params: { nn: "1" } }).diagnostics[0]!.help).toBe("did you mean `n`?");
  });

  it("requires a value for every param", () => {
    const text = flow('  s = glob("*", root: root) | w.f\n  emit s', "f(root: string)");
    expect(codes(text)).toEqual(["QB2007"]);
    expect(ir(text, { root: "/data" }).steps[0]!.source).toEqual({ kind: "glob", pattern: "*", root: "/data" });
  });

  it("types items by their source", () => {
    expect(codes(flow("  s = range(3) | w.f(x: item.a)\n  emit s"))).toEqual(["QB3009"]);
    expect(codes(flow('  s = pond("SELECT a FROM t") | w.f(x: item.a)\n  emit s'))).toEqual([]);
    expect(codes(flow("  s = range(3) | w.f | w.g(x: item.a.b[0])\n  emit s"))).toEqual([]);
    expect(codes(flow('  s = [1, 2] | w.f(x: item + "a")\n  emit s'))).toEqual(["QB3001"]);
  });

  it("passes the item itself when a call has no arguments, or one positional value", () => {
    const f = ir(flow("  s = range(3) | w.f | w.g(item * 2)\n  emit s"));
    expect(stage(f, "s", 0)).toMatchObject({ kind: "call", input: null });
    expect(stage(f, "s", 1)).toMatchObject({ input: { kind: "bin", op: "*", left: { kind: "item" }, right: { kind: "lit", value: 2 } } });
    expect(codes(flow("  s = range(3) | w.f(item, x: 1)\n  emit s"))).toEqual(["QB4004"]);
  });

  it("lets two steps read one channel (tee) and merges channels", () => {
    const f = ir(flow("  a = range(3)\n  b = a | w.f\n  c = a | w.g\n  m = merge(b, c)\n  emit m"));
    expect(f.steps.map((s) => s.name)).toEqual(["a", "b", "c", "m"]);
    expect(f.steps[3]!.source).toEqual({ kind: "merge", steps: ["b", "c"] });
  });

  it("orders steps by dependency whatever their order in the file", () => {
    const f = ir(flow("  c = b | w.g\n  b = a | w.f\n  a = range(2)\n  emit c"));
    expect(f.steps.map((s) => s.name)).toEqual(["a", "b", "c"]);
  });

  it("allows a loop only through a signal into a held call", () => {
    const ok = ir(flow('  s = range(2) | w.f hold\n  c = s | gather by round | w.g\n  s <- c as "next"\n  emit c'));
    expect(ok.signals).toEqual([{ step: "s", from: "c", name: "next", loc: expect.any(Object) }]);
    expect(ok.steps[0]!.held).toBe(true);
    expect(codes(flow('  s = range(2) | w.f\n  c = s | w.g\n  s <- c as "next"\n  emit c'))).toEqual(["QB4003"]);
    expect(codes(flow("  a = b | w.f\n  b = a | w.g\n  emit b"))).toEqual(["QB4001"]);
    expect(codes(flow("  s = range(2) | w.f hold | w.g hold\n  emit s"))).toEqual(["QB4009"]);
  });

  it("requires a held call before `gather by round`", () => {
    expect(codes(flow("  s = range(2) | w.f hold | w.g | gather by round\n  emit s"))).toEqual([]);
    expect(codes(flow("  s = range(2) | w.f | gather by round\n  emit s"))).toEqual(["QB4002"]);
    expect(codes(flow("  s = range(2) | w.f hold | gather | gather by round\n  emit s"))).toEqual(["QB4002"]);
  });

  it("binds pond parameters and never splices them", () => {
    const f = ir(
      flow(
        "  r = pond(\"SELECT * FROM sales WHERE region = :region AND note = ':not_a_param'\", {region: region})\n  emit r",
        'f(region: string = "x\'; DROP TABLE sales; --")',
      ),
    );
    expect(f.steps[0]!.source).toEqual({
      kind: "pond",
      sql: "SELECT * FROM sales WHERE region = :region AND note = ':not_a_param'",
      params: { region: "x'; DROP TABLE sales; --" },
    });
    expect(codes(flow('  r = pond("SELECT * FROM t WHERE a = :a")\n  emit r'))).toEqual(["QB4011"]);
    expect(compile(flow('  r = pond("SELECT 1", {a: 1})\n  emit r')).diagnostics.map((d) => d.code)).toEqual(["QB2008", "QB4012"]);
  });

  it("keeps sinks inside the land and table names plain", () => {
    expect(
      ir(flow('  s = range(1)\n  into land("./out/s.jsonl") s\n  into pond.table("main.t") s')).sinks.map((k) =>
        k.kind === "land" ? k.path : k.kind === "pond" ? k.table : "",
      ),
    ).toEqual(["out/s.jsonl", "main.t"]);
    expect(codes(flow('  s = range(1)\n  into land("../s") s'))).toEqual(["QB3011"]);
    expect(codes(flow('  s = range(1)\n  into land("/etc/passwd") s'))).toEqual(["QB3011"]);
    expect(codes(flow('  s = range(1)\n  into pond.table("t; drop") s'))).toEqual(["QB3012"]);
  });

  it("checks worker properties", () => {
    const f = ir(
      'flow f() {\n  worker w { run "x" replicas 3 env {A: 1, B: true} cpu 500m memory 1Gi }\n  worker r { at "h:1", "unix:/s.sock" }\n  s = range(1) | w.f | r.g\n  emit s\n}\n',
    );
    expect(f.workers[0]).toMatchObject({ replicas: 3, env: { A: "1", B: "true" }, cpu: 0.5, memoryBytes: 1024 ** 3 });
    expect(f.workers[1]).toMatchObject({ at: ["h:1", "unix:/s.sock"], replicas: 2 });
    expect(codes('flow f() {\n  worker w { run "x" at "h:1" }\n  s = range(1) | w.f\n  emit s\n}')).toEqual(["QB4005"]);
    expect(codes('flow f() {\n  worker w { at "nope" }\n  s = range(1) | w.f\n  emit s\n}')).toEqual(["QB3010"]);
    expect(codes('flow f() {\n  worker w { run "x" replicas 0 }\n  s = range(1) | w.f\n  emit s\n}')).toEqual(["QB3006"]);
    expect(codes('flow f() {\n  worker w { run "x" memory 5s }\n  s = range(1) | w.f\n  emit s\n}')).toEqual(["QB3005"]);
  });

  it("reports every independent mistake at once, each in its place", () => {
    const text = flow("  a = range(n) | w.f parallel 0\n  b = a | ww.g\n  emit c", "f(n: int = 3)");
    const ds = compile(text).diagnostics.filter((d) => d.severity === "error");
    expect(ds.map((d) => d.code)).toEqual(["QB3006", "QB2002", "QB2001"]);
    expect(ds.map((d) => text.slice(d.span.start, d.span.end))).toEqual(["0", "ww", "c"]);
  });

  it("warns about unused steps and workers but still compiles", () => {
    const r = compile('flow f() {\n  worker w { run "x" }\n  worker v { run "y" }\n  a = range(1) | w.f\n  b = range(2)\n  emit a\n}');
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ["QB2008", "warning"],
      ["QB2005", "warning"],
    ]);
    expect(r.ir).toBeDefined();
  });
});
