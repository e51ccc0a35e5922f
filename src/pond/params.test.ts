import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlParameters } from "../sql/scanner.js";
import { bindParams, namedParameterSpans, ParamBindError } from "./params.js";

describe("bindParams", () => {
  it("rewrites :name into ? with values in order, a repeated name bound twice", () => {
    expect(bindParams("SELECT * FROM t WHERE a = :a AND b > :b OR a = :a", { a: 1, b: "x" })).toEqual({
      sql: "SELECT * FROM t WHERE a = ? AND b > ? OR a = ?",
      values: [1, "x", 1],
    });
  });

  it("leaves :words in strings, quoted identifiers, comments and :: casts alone", () => {
    const sql = `SELECT ':a', "x:a", \`y:a\`, v::int, 'it''s :a' -- :a\n/* :a */ FROM t WHERE c = :a`;
    expect(bindParams(sql, { a: 5 })).toEqual({ sql: sql.replace(/= :a$/, "= ?"), values: [5] });
  });

  it("passes ? SQL with a list of values through", () => {
    expect(bindParams("SELECT ? AS a", ["v"])).toEqual({ sql: "SELECT ? AS a", values: ["v"] });
    expect(bindParams("SELECT 1", undefined)).toEqual({ sql: "SELECT 1", values: [] });
  });

  it("encodes objects and lists as JSON text, dates as ISO text, undefined as NULL", () => {
    expect(bindParams("SELECT :o, :l, :d, :u", { o: { k: 1 }, l: [1, 2], d: new Date(Date.UTC(2026, 0, 2)), u: undefined }).values).toEqual([
      '{"k":1}',
      "[1,2]",
      "2026-01-02T00:00:00.000Z",
      null,
    ]);
  });

  it("refuses missing values, unused values, and named parameters without an object", () => {
    expect(() => bindParams("SELECT :a, :b", { a: 1 })).toThrow(new ParamBindError("no value for parameter :b"));
    expect(() => bindParams("SELECT :a", { a: 1, c: 2 })).toThrow(/:c, which the SQL does not use/);
    expect(() => bindParams("SELECT :a", [1])).toThrow(/given as a list/);
    expect(() => bindParams("SELECT :a", undefined)).toThrow(/no values were given/);
  });

  it("finds exactly the parameters the DSL's sqlParameters finds, on any text", () => {
    const piece = fc.constantFrom("SELECT ", ":a", ":b1", "::int", "'", "''", '"', "`", "--", "\n", "/*", "*/", " x ", "\\", ":", ":_z", "?");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const sql = parts.join("");
        const names = [...new Set(namedParameterSpans(sql).map((s) => s.name))];
        expect(names).toEqual(sqlParameters(sql));
      }),
      { numRuns: 2000 },
    );
  });
});
