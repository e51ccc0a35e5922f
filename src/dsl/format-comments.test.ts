/**
 * `qb fmt` with comments in awkward places: inside a multi-line source or stage, on the
 * line of a stage's arguments. Formatting twice must give the same text, keep every
 * comment as it was, and never change what the flow compiles to.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { hasErrors } from "./diagnostics.js";
import { format } from "./format.js";
import { exampleFlows } from "../../test/support/examples.js";
import { stripLocations } from "../../test/support/strip.js";
import { formatted } from "../../test/support/formatted.js";

function commentTexts(text: string): string[] {
  return compile(text)
    .ast.comments.map((c) => c.text.trim())
    .sort();
}

function expectStable(text: string): string {
  const once = formatted(text);
  expect(formatted(once)).toBe(once);
  expect(stripLocations(compile(once).ir)).toEqual(stripLocations(compile(text).ir));
  expect(commentTexts(once)).toEqual(commentTexts(text));
  return once;
}

const flow = (body: string): string => `flow f(r: string = "d") {\n  worker md5 { run "x" }\n\n${body}\n  emit table\n}\n`;

describe("fmt keeps comments inside multi-line parts stable", () => {
  it("moves a comment inside a source above the binding, which stays aligned", () => {
    const out = expectStable(flow(`  files   = glob("**/*", root:\n  # why this root\n   r)\n  table   = files | gather | md5.index`));
    expect(out).toContain(`  # why this root\n  files = glob("**/*", root: r)\n  table = files | gather | md5.index\n`);
  });

  it("moves a comment inside a stage's arguments above that stage", () => {
    const out = expectStable(flow(`  table = glob("*", root: r)\n    | md5.file(path:\n    # the absolute path\n      item.file) # per file\n    | gather`));
    expect(out).toContain(`  table = glob("*", root: r)\n    # the absolute path\n    | md5.file(path: item.file) # per file\n    | gather\n`);
  });

  it("never glues two comments into one line", () => {
    expectStable(
      flow(`  table = glob("*", root: r) | md5.file(path:\n# a\n item.file, name: item.path) # b\n  # c\n  x = table`).replace("emit table", "emit x"),
    );
  });

  it("holds for comments inserted at random places in the examples", () => {
    const bases = exampleFlows().map(([, t]) => t);
    const insertion = fc.record({ at: fc.nat(), kind: fc.constantFrom(" # t", "\n# own\n", "\n\n  # gap") });
    fc.assert(
      fc.property(fc.constantFrom(...bases), fc.array(insertion, { minLength: 1, maxLength: 4 }), (base, inserts) => {
        let text = base;
        for (const ins of inserts) {
          // only where whitespace is: a comment there splits no token
          const spots = [...text.matchAll(/[ \n]/g)].map((m) => m.index);
          const at = spots[ins.at % spots.length]!;
          text = text.slice(0, at) + ins.kind + text.slice(at);
        }
        if (hasErrors(compile(text).diagnostics)) return;
        expectStable(text);
      }),
      { numRuns: 1500 },
    );
  });
});
