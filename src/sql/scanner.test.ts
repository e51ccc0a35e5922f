import { describe, expect, it } from "vitest";
import { sqlParameterUses, sqlSecondStatement } from "./scanner.js";

describe("sqlParameterUses", () => {
  it("finds :name outside strings, identifiers, comments and casts", () => {
    const sql = "SELECT ':a', \"b:c\", x::int -- :d\n FROM t /* :e */ WHERE y = :f AND z = :f";
    expect(sqlParameterUses(sql)).toEqual([{ name: "f", offset: sql.indexOf(":f") }]);
  });

  it.each<[string, Array<{ name: string; offset: number }>]>([
    // `::` pairs colons from the left, as psql reads them: in x:::p the cast takes two and :p is left
    ["SELECT x:::p", [{ name: "p", offset: 10 }]],
    // a lone - is a minus and a lone / a division, not the start of a comment
    [
      "SELECT :a - :b",
      [
        { name: "a", offset: 7 },
        { name: "b", offset: 12 },
      ],
    ],
    [
      "SELECT :a / :b",
      [
        { name: "a", offset: 7 },
        { name: "b", offset: 12 },
      ],
    ],
  ])("%j", (sql, uses) => {
    expect(sqlParameterUses(sql)).toEqual(uses);
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
    // E'...' has backslash escapes; read without them, `s; x` would be code after a ;
    expect(sqlSecondStatement("SELECT E'it\\'s; x' AS s", "duckdb")).toBeUndefined();
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

  const likeSmuggled = "SELECT * FROM t WHERE x LIKE'%\\'; DROP TABLE t; --'";

  // Columns: the SQL, then the result for "duckdb", for "mysql" and without a dialect (a break
  // only where both dialects see one, at DuckDB's offset).
  it.each<[string, number | undefined, number | undefined, number | undefined]>([
    // a ' at offset 0 (nothing before it): DuckDB gives it no backslash escapes
    ["'\\'; SELECT 1", 3, undefined, undefined],
    // an E'...' at offset 0 (nothing two before its quote) still has backslash escapes
    ["E'it\\'s; x'", undefined, undefined, undefined],
    // a doubled quote inside E'...' does not end it: the \' after it is still escaped
    ["SELECT E'a''\\'; x' AS s", undefined, undefined, undefined],
    // an empty string '' ends at its second quote
    ["SELECT ''; SELECT 2", 9, 9, 9],
    // DuckDB: a plain '...' after a non-word character has no backslash escapes either
    ["SELECT ('\\'); SELECT 2", 12, undefined, undefined],
    // DuckDB: LIKE'...' is not an E'...' string (the E ends a word), so \ escapes nothing
    [likeSmuggled, likeSmuggled.indexOf(";"), undefined, undefined],
    // DuckDB: no backslash escapes in "..." identifiers
    ['SELECT "a\\"; SELECT 2', 11, undefined, undefined],
    // backquotes quote only in MySQL
    ["SELECT `a;b` FROM t", 9, undefined, undefined],
    // and have no backslash escapes there
    ["SELECT `a\\`; SELECT 2", 11, 11, 11],
    // $tag$ quotes are DuckDB's only: MySQL reads $a$ as an identifier
    ["SELECT 1 AS $a$; SELECT 2 AS $a$", undefined, 15, undefined],
    // $1 (a positional parameter) is no $tag$ quote, even with a $$ further on
    ["SELECT $1; SELECT $$x$$", 9, 9, 9],
    // a $ inside a word (x$y$) starts no $tag$ quote
    ["SELECT x$y$; SELECT 2", 11, 11, 11],
    // a $$ quote ends at its closing $$
    ["SELECT $$a$$; SELECT 2", 12, 12, 12],
    // an unclosed $$ quote (here at offset 0) runs to the end
    ["$$a; SELECT 2", undefined, 3, undefined],
    // a $$ quote that only DuckDB reads: without a dialect, no break
    ["SELECT $$a;b$$ AS s", undefined, 10, undefined],
    // a lone - is a minus and a lone / a division, not the start of a comment
    ["SELECT 1 - 2; SELECT 3", 12, 12, 12],
    ["SELECT 4 / 2; SELECT 1", 12, 12, 12],
    // # starts a comment only in MySQL
    ["SELECT 1 # 2; SELECT 3", 12, undefined, undefined],
    // a block comment runs to its */ ...
    ["SELECT 1 /* a; b */", undefined, undefined, undefined],
    // ... and no further
    ["SELECT 1 /* x */; SELECT 2", 16, 16, 16],
  ])("%j", (sql, duckdb, mysql, none) => {
    expect([sqlSecondStatement(sql, "duckdb"), sqlSecondStatement(sql, "mysql"), sqlSecondStatement(sql)]).toEqual([duckdb, mysql, none]);
  });
});

describe("MySQL's -- comments", () => {
  it("starts one only before a space, a control character or the end: `1--1` is arithmetic, so a second statement after it counts", () => {
    const sql = "SELECT 1--1; DROP TABLE t";
    expect(sqlSecondStatement(sql, "mysql")).toBe(sql.indexOf(";"));
    // DuckDB reads it as a comment: one statement there
    expect(sqlSecondStatement(sql, "duckdb")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 1 -- ; x\n", "mysql")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 1 --\t; x", "mysql")).toBeUndefined();
    expect(sqlSecondStatement("SELECT 1; --", "mysql")).toBeUndefined();
  });
});
