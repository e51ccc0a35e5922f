/**
 * Robustness: 10,000 mutated flows (token deletions and duplications, random bytes,
 * truncations, deep nesting) go through the compiler. No exception may escape, and each
 * result is either an IR valid under the schema or at least one error, every diagnostic
 * with a span inside the input. Then huge garbage, as `qb check` reads it: random bytes up
 * to 5 MB are refused at once, and garbage text compiles and renders in bounded time,
 * memory and output.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../src/dsl/compile.js";
import { hasErrors } from "../src/dsl/diagnostics.js";
import { format } from "../src/dsl/format.js";
import { decodeFlow } from "../src/cli/flow-input.js";
import { UsageError } from "../src/cli/errors.js";
import { diagnosticsToJson, MAX_SHOWN, renderDiagnostics } from "../src/dsl/render.js";
import { scan } from "../src/dsl/scanner.js";
import { validateIR } from "../src/ir/validate.js";
import { exampleFlows } from "./support/examples.js";
import { flowArb } from "./support/flow-gen.js";
import { garbageText, randomBytes, type GarbageKind } from "./support/garbage.js";

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

/** Per file, whatever its size (≤ 3 s on an idle 2-core machine; room for a busy one): a garbage file once took 20–30 s, or printed 180 MB. */
const MAX_MS = 8_000;
const MAX_OUTPUT = (MAX_SHOWN + 2) * 600;
const MAX_HEAP = 1.5e9;

/** What `qb check` does with a file's bytes: refuse non-text, else compile and render, timed. */
function checkBytes(bytes: Uint8Array): { ms: number; refused?: string; output: string } {
  const t = Date.now();
  let text: string;
  try {
    text = decodeFlow("g.flow", bytes);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return { ms: Date.now() - t, refused: err.message, output: err.message };
  }
  return { ...checkText(text), ms: Date.now() - t };
}

function checkText(text: string): { ms: number; output: string } {
  const t = Date.now();
  const r = compile(text, { file: "g.flow" });
  const output = renderDiagnostics("g.flow", text, r.diagnostics) + JSON.stringify(diagnosticsToJson("g.flow", text, r.diagnostics));
  expect(process.memoryUsage().heapUsed).toBeLessThan(MAX_HEAP);
  return { ms: Date.now() - t, output };
}

describe("compiler on huge garbage", () => {
  it("refuses random bytes up to 5 MB at once, naming the first bad byte", () => {
    const size = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 5_000_000 }));
    fc.assert(
      fc.property(size, fc.nat(), (n, seed) => {
        const r = checkBytes(randomBytes(seed, n));
        expect(r.ms).toBeLessThan(MAX_MS);
        expect(r.output.length).toBeLessThan(MAX_OUTPUT);
        // a few bytes may happen to be text; anything bigger is refused with one line
        if (n > 64) expect(r.refused).toMatch(/^g\.flow:\d+:\d+: not a flow: (a NUL byte|byte 0x[0-9a-f]{2} is not UTF-8)/);
      }),
      { numRuns: 12 },
    );
    const big = checkBytes(randomBytes(5, 5_000_000));
    expect(big.refused).toBeDefined();
    expect(big.ms).toBeLessThan(1_000);
  }, 60_000);

  // non-ASCII garbage makes a diagnostic every few characters: ~5 s per MB in the compiler
  // today, so it is tried smaller (bytes decoded leniently are that case too: U+FFFD everywhere)
  const cases: Array<[GarbageKind | "lenient bytes", number]> = [
    ["ascii", 5_000_000],
    ["tokens", 5_000_000],
    ["one-line", 5_000_000],
    ["unicode", 256_000],
    ["lenient bytes", 256_000],
  ];
  it.each(cases)(
    "compiles %s garbage text (%i characters) in bounded time, memory and output",
    (kind, size) => {
      const text = kind === "lenient bytes" ? randomBytes(7, size).toString("utf8") : garbageText(7, size, kind);
      const r = checkText(text);
      expect(r.ms).toBeLessThan(MAX_MS);
      expect(r.output.length).toBeLessThan(MAX_OUTPUT);
    },
    60_000,
  );
});
