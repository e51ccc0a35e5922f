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
    // Every place in an example where one comment can go without breaking the flow: only
    // where whitespace is (a comment there splits no token), and only where the flow still
    // compiles with one comment more (not inside a string, not cutting a binding in two).
    // The cases combine up to 4 of them, so almost all compile and run the property;
    // the few that do not are counted, and must stay few.
    const kinds = [" # t", "\n# own\n", "\n\n  # gap"];
    const places = exampleFlows().flatMap(([, base]) => {
      const comments = compile(base).ast.comments.length;
      const ok = [...base.matchAll(/[ \n]/g)].flatMap((m) =>
        kinds.flatMap((kind) => {
          const r = compile(base.slice(0, m.index) + kind + base.slice(m.index));
          return !hasErrors(r.diagnostics) && r.ast.comments.length === comments + 1 ? [{ at: m.index, kind }] : [];
        }),
      );
      return [{ base, ok }];
    });
    const runs = 1500;
    let discarded = 0;
    const inserted = fc
      .constantFrom(...places)
      .chain(({ base, ok }) => fc.tuple(fc.constant(base), fc.uniqueArray(fc.constantFrom(...ok), { minLength: 1, maxLength: 4, selector: (p) => p.at })));
    fc.assert(
      fc.property(inserted, ([base, inserts]) => {
        let text = base;
        // from the last place to the first, so each lands where it was found
        for (const { at, kind } of [...inserts].sort((a, b) => b.at - a.at)) text = text.slice(0, at) + kind + text.slice(at);
        if (hasErrors(compile(text).diagnostics)) {
          discarded++;
          return;
        }
        expectStable(text);
      }),
      { numRuns: runs },
    );
    expect(discarded).toBeLessThan(runs / 10);
  });
});
