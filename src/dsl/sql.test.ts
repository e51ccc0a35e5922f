import { describe, expect, it } from "vitest";
import { sqlParameterUses, sqlSecondStatement } from "./sql.js";

describe("sqlParameterUses", () => {
  it("finds :name outside strings, identifiers, comments and casts", () => {
    const sql = "SELECT ':a', \"b:c\", x::int -- :d\n FROM t /* :e */ WHERE y = :f AND z = :f";
    expect(sqlParameterUses(sql)).toEqual([{ name: "f", offset: sql.indexOf(":f") }]);
  });
});

describe("sqlSecondStatement", () => {
  it("finds the ; that ends a first statement when more follows", () => {
    expect(sqlSecondStatement("SELECT 1; SELECT 2")).toBe(8);
    expect(sqlSecondStatement("DELETE FROM t;\nDROP TABLE u")).toBe(13);
  });

  it("takes one statement with a trailing ; or a ; inside a string or comment as one", () => {
    expect(sqlSecondStatement("SELECT 1;")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 1; -- done\n  ")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 'a;b', \"c;d\" /* ; */ FROM t")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 1")).toBeUndefined();
  });
});
