import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { format } from "./format.js";
import { exampleFlows } from "../../test/support/examples.js";
import { flowArb } from "../../test/support/flow-gen.js";
import { stripLocations } from "../../test/support/strip.js";
import { formatted } from "../../test/support/formatted.js";

function commentTexts(text: string): string[] {
  return compile(text)
    .ast.comments.map((c) => c.text.trimEnd())
    .sort();
}

describe("fmt", () => {
  it.each(exampleFlows())("%s is already formatted, and formatting keeps its meaning", (_, text) => {
    const once = formatted(text);
    expect(once).toBe(text);
    expect(formatted(once)).toBe(once);
  });

  it("is idempotent and meaning-preserving on generated flows, and keeps every comment", () => {
    fc.assert(
      fc.property(flowArb, (text) => {
        const once = formatted(text);
        expect(formatted(once)).toBe(once);
        const a = compile(text);
        const b = compile(once);
        expect(a.ir).toBeDefined();
        expect(stripLocations(b.ir)).toEqual(stripLocations(a.ir));
        expect(commentTexts(once)).toEqual(commentTexts(text));
      }),
      { numRuns: 400 },
    );
  });

  it("lays out a messy flow canonically", () => {
    const messy = [
      "# top",
      'flow  f( n:int=3 ,s : string="a\\tb") {   # header',
      '  worker w {run "node w.js"   # cmd',
      "   replicas 2}",
      "  xs=range(n)|w.f(v:item*(n+1),z:-n) parallel 2 retry 1 backoff 2s # fan",
      "  ys = xs",
      "     |  w.g   # first",
      "     # between",
      "     | gather",
      "",
      "",
      "  emit ys",
      "}",
    ].join("\n");
    expect(formatted(messy)).toBe(
      [
        "# top",
        'flow f(n: int = 3, s: string = "a\\tb") {',
        "  # header",
        "  worker w {",
        '    run "node w.js" # cmd',
        "    replicas 2",
        "  }",
        "  xs = range(n) | w.f(v: item * (n + 1), z: -n) parallel 2 retry 1 backoff 2s # fan",
        "  ys = xs",
        "    | w.g # first",
        "    # between",
        "    | gather",
        "",
        "  emit ys",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("wraps a call's arguments one per line when its line would pass 100 characters, and keeps its meaning", () => {
    const text = `flow f(shards: int = 8) {
  worker stats { run "node stats.js" }
  rows = pond("SELECT region, day, amount FROM sales WHERE day >= :since AND region <> :skip ORDER BY day", {since: 20240101, skip: "test"})
  by_region = rows | stats.figures(region: item.region, day: item.day, amount: item.amount, shards: shards) parallel 4
  short = rows | stats.f(x: item)
  emit by_region, short
}
`;
    const once = formatted(text);
    expect(once).toBe(`flow f(shards: int = 8) {
  worker stats { run "node stats.js" }
  rows = pond(
    "SELECT region, day, amount FROM sales WHERE day >= :since AND region <> :skip ORDER BY day",
    {since: 20240101, skip: "test"},
  )
  by_region = rows
    | stats.figures(
        region: item.region,
        day: item.day,
        amount: item.amount,
        shards: shards,
      ) parallel 4
  short = rows | stats.f(x: item)
  emit by_region, short
}
`);
    expect(formatted(once)).toBe(once);
    expect(once.split("\n").every((l) => l.length <= 100)).toBe(true);
  });

  it("keeps parentheses that carry meaning and drops the rest", () => {
    const src = 'flow f(a: int = 1) {\n  worker w { run "x" }\n  s = range(3) | w.f(x: ((a - (a - 1))) * (a + 2), y: (a * a) + 1, z: -(a + 1))\n  emit s\n}\n';
    const out = formatted(src);
    expect(out).toContain("w.f(x: (a - (a - 1)) * (a + 2), y: a * a + 1, z: -(a + 1))");
    expect(stripLocations(compile(out).ir)).toEqual(stripLocations(compile(src).ir));
  });

  it("refuses to format a flow with syntax errors and says why", () => {
    const r = format("flow f() {\n  x = \n}\n");
    expect(r.output).toBeUndefined();
    expect(r.diagnostics[0]?.code).toBe("QB1006");
  });
});
