/**
 * Robustness: 10,000 mutated flows (token deletions and duplications, random bytes,
 * truncations, deep nesting) go through the compiler. No exception may escape, and each
 * result is either an IR valid under the schema or at least one error, every diagnostic
 * with a span inside the input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../src/dsl/compile.js";
import { hasErrors } from "../src/dsl/diagnostics.js";
import { format } from "../src/dsl/format.js";
import { renderDiagnostics } from "../src/dsl/render.js";
import { scan } from "../src/dsl/scanner.js";
import { validateIR } from "../src/ir/validate.js";
import { exampleFlows } from "./support/examples.js";
import { flowArb } from "./support/flow-gen.js";

type Mutation =
  | { kind: "delete"; at: number }
  | { kind: "duplicate"; at: number }
  | { kind: "swap"; at: number }
  | { kind: "bytes"; at: number; bytes: string }
  | { kind: "truncate"; at: number }
  | { kind: "nest"; at: number; depth: number; open: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("bytes" as const), at: fc.nat(), bytes: fc.string({ unit: "binary", minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("nest" as const),
    at: fc.nat(),
    depth: fc.integer({ min: 1, max: 1000 }),
    open: fc.constantFrom("(", "[", "{", "-", "x.", "1 + ", "{a: "),
  }),
);

function mutate(text: string, m: Mutation): string {
  const tokens = scan(text).tokens.filter((t) => t.kind !== "eof");
  const tok = tokens.length ? tokens[m.at % tokens.length]! : undefined;
  const pos = text.length ? m.at % (text.length + 1) : 0;
  switch (m.kind) {
    case "delete":
      return tok ? text.slice(0, tok.span.start) + text.slice(tok.span.end) : text;
    case "duplicate":
      return tok ? text.slice(0, tok.span.end) + " " + tok.text + text.slice(tok.span.end) : text;
    case "swap": {
      const other = tokens[(m.at * 7 + 3) % Math.max(1, tokens.length)];
      if (!tok || !other || other === tok) return text;
      const [a, b] = tok.span.start < other.span.start ? [tok, other] : [other, tok];
      return text.slice(0, a.span.start) + b.text + text.slice(a.span.end, b.span.start) + a.text + text.slice(b.span.end);
    }
    case "bytes":
      return text.slice(0, pos) + m.bytes + text.slice(pos);
    case "truncate":
      return text.slice(0, pos);
    case "nest": {
      const close = { "(": ")", "[": "]", "{": "}", "-": "", "x.": "y", "1 + ": "1", "{a: ": "}" }[m.open] ?? "";
      const inner = m.open === "x." ? "x.".repeat(m.depth) + "y" : m.open.repeat(m.depth) + "1" + close.repeat(m.depth);
      return text.slice(0, pos) + inner + text.slice(pos);
    }
  }
}

const bases = exampleFlows().map(([, text]) => text);
const base = fc.oneof(fc.constantFrom(...bases), flowArb);
const mutated = fc.tuple(base, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([text, ms]) => ms.reduce(mutate, text));

describe("compiler on mutated input", () => {
  it("never throws; returns a schema-valid IR or diagnostics inside the input (10,000 flows)", () => {
    let valid = 0;
    let rejected = 0;
    fc.assert(
      fc.property(mutated, (text) => {
        const r = compile(text, { file: "fuzz.flow" });
        for (const d of r.diagnostics) {
          expect(d.span.start).toBeGreaterThanOrEqual(0);
          expect(d.span.end).toBeGreaterThanOrEqual(d.span.start);
          expect(d.span.end).toBeLessThanOrEqual(text.length);
          expect(d.message.length).toBeGreaterThan(0);
        }
        if (r.ir) {
          expect(hasErrors(r.diagnostics)).toBe(false);
          expect(validateIR(JSON.parse(JSON.stringify(r.ir)))).toEqual([]);
          valid++;
        } else {
          expect(hasErrors(r.diagnostics)).toBe(true);
          rejected++;
        }
        // rendering and formatting must not throw either
        renderDiagnostics("fuzz.flow", text, r.diagnostics);
        format(text);
      }),
      { numRuns: 10_000 },
    );
    // both outcomes must actually occur, or the mutations are not testing anything
    expect(valid).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(1000);
  }, 120_000);

  it("reports nesting beyond the bound instead of overflowing the stack", () => {
    const deep = `flow f() {\n  worker w { run "x" }\n  s = range(1) | w.f(x: ${"(".repeat(100_000)}1${")".repeat(100_000)})\n  emit s\n}\n`;
    const r = compile(deep);
    expect(r.diagnostics.map((d) => d.code)).toContain("QB1009");
    const chain = `flow f() {\n  worker w { run "x" }\n  s = range(1) | w.f(x: ${Array(50_000).fill("1").join(" + ")})\n  emit s\n}\n`;
    expect(compile(chain).diagnostics.map((d) => d.code)).toContain("QB1009");
  });
});
