import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CallTable, ownNumber } from "./call-table.js";

describe("CallTable", () => {
  it("reads its own ids as numbers, and nothing else", () => {
    expect(["c0", "c1", "c42", "c999999999999999"].map(ownNumber)).toEqual([0, 1, 42, 999999999999999]);
    for (const id of ["", "c", "c01", "c00", "C1", "c-1", "c+1", "c1e3", "c1.5", " c1", "c1 ", "d1", "c1000000000000000", "1"]) expect(ownNumber(id)).toBe(-1);
  });

  it("holds what a Map would, through any sequence of sets, deletes and clears, whatever the ids", () => {
    const id = fc.oneof(
      fc.nat({ max: 3000 }).map((n) => `c${n}`),
      fc.constantFrom("c", "c01", "c00", "x", "__proto__", "constructor", "length", "0", "c1e3", ""),
      fc.string({ maxLength: 5 }),
    );
    const op = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), id, value: fc.integer() }),
      fc.record({ kind: fc.constant("delete" as const), id }),
      fc.record({ kind: fc.constant("clear" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const table = new CallTable<{ v: number }>();
        const model = new Map<string, { v: number }>();
        for (const o of ops) {
          if (o.kind === "set") {
            const value = { v: o.value };
            table.set(o.id, value);
            model.set(o.id, value);
          } else if (o.kind === "delete") expect(table.delete(o.id)).toBe(model.delete(o.id));
          else {
            table.clear();
            model.clear();
          }
          expect(table.size).toBe(model.size);
        }
        for (const [k, v] of model) expect(table.get(k)).toBe(v);
        expect(new Set(table.values())).toEqual(new Set(model.values()));
        expect(table.values()).toHaveLength(model.size);
      }),
      { numRuns: 300 },
    );
  });
});
