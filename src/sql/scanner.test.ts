import { describe, expect, it } from "vitest";
import { sqlParameterUses, sqlSecondStatement } from "./scanner.js";

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

  it("reads each dialect's quoting: DuckDB's $$ strings and backslash-free strings, MySQL's # comments and backslash escapes", () => {
    // DuckDB: no backslash escapes in '...', so this is three statements
    const smuggled = "SELECT 'a\\'; CREATE TABLE x AS SELECT 1 AS one; SELECT '\\' AS z";
    expect(sqlSecondStatement(smuggled, "duckdb")).toBe(smuggled.indexOf(";"));
    expect(sqlSecondStatement("SELECT $$a;b$$ AS s", "duckdb")).toBeUndefined();
    expect(sqlSecondStatement("SELECT $q$a;b$q$ AS s", "duckdb")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 'C:\\' AS a, ';' AS b, 'x' AS c", "duckdb")).toBeUndefined();
    expect(sqlSecondStatement("SELECT E'it\\'s;' AS s", "duckdb")).toBeUndefined();
    // MySQL: backslash escapes in both quotes, and # comments
    expect(sqlSecondStatement('SELECT "a\\";b" AS s', "mysql")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 1 AS a # ; trailing note", "mysql")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 'it\\'s'; SELECT 2", "mysql")).toBe(14);
    // without a dialect (a flow's SQL): a break both read as one
    expect(sqlSecondStatement("SELECT 1; SELECT 2")).toBe(8);
    expect(sqlSecondStatement(smuggled)).toBeUndefined();
  });

  it("takes one statement with a trailing ; or a ; inside a string or comment as one", () => {
    expect(sqlSecondStatement("SELECT 1;")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 1; -- done\n  ")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 'a;b', \"c;d\" /* ; */ FROM t")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 1")).toBeUndefined();
  });
});
