/**
 * A light SQL scanner: named parameters (`:name`) and statement breaks, skipping quoted
 * strings, quoted identifiers, comments and `::` casts.
 */

/** Whose quoting rules a scan follows; without one, a mix of both (for `:name` parameters). */
export type SqlDialect = "duckdb" | "mysql";

/** The end of a quoted part that starts at `i` (quote `q`), one past its closing quote. */
function skipQuoted(sql: string, i: number, q: string, backslash: boolean): number {
  i++;
  while (i < sql.length) {
    if (sql[i] === q) {
      if (sql[i + 1] === q) i += 2;
      else break;
    } else if (backslash && sql[i] === "\\") i += 2;
    else i++;
  }
  return i + 1;
}

/**
 * Calls `visit(i)` for each offset of `sql` outside quoted strings, quoted identifiers and
 * comments; `visit` returns the offset to go on from (at least i + 1). DuckDB: `'...'`
 * without backslash escapes (but `E'...'` with), `"..."` identifiers, `$tag$...$tag$`.
 * MySQL: `'...'` and `"..."` with backslash escapes, `` `...` `` identifiers, `#` comments.
 */
function scanCode(sql: string, visit: (i: number) => number, dialect?: SqlDialect): void {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'") {
      const escaped = dialect !== "duckdb" || (/[eE]/.test(sql[i - 1] ?? "") && !/[\w$]/.test(sql[i - 2] ?? ""));
      i = skipQuoted(sql, i, c, escaped);
    } else if (c === '"') {
      i = skipQuoted(sql, i, c, dialect === "mysql");
    } else if (c === "`" && dialect !== "duckdb") {
      i = skipQuoted(sql, i, c, false);
    } else if (c === "$" && dialect === "duckdb" && /^\$[A-Za-z_]*\$/.test(sql.slice(i, i + 64)) && !/[\w$]/.test(sql[i - 1] ?? "")) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64))![0];
      const end = sql.indexOf(tag, i + tag.length);
      i = end < 0 ? sql.length : end + tag.length;
    } else if ((c === "-" && sql[i + 1] === "-" && (dialect !== "mysql" || mysqlDashComment(sql, i))) || (c === "#" && dialect === "mysql")) {
      while (i < sql.length && sql[i] !== "\n") i++;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else {
      i = visit(i);
    }
  }
}

/** Named parameters of an SQL text, in order of first use. */
export function sqlParameters(sql: string): string[] {
  return sqlParameterUses(sql).map((u) => u.name);
}

/** Each named parameter with the offset of its first `:` in the SQL text. */
export function sqlParameterUses(sql: string): Array<{ name: string; offset: number }> {
  const out: Array<{ name: string; offset: number }> = [];
  scanCode(sql, (i) => {
    if (sql[i] !== ":") return i + 1;
    if (sql[i + 1] === ":") return i + 2;
    if (!/[A-Za-z_]/.test(sql[i + 1] ?? "")) return i + 1;
    let j = i + 1;
    while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
    const name = sql.slice(i + 1, j);
    if (!out.some((u) => u.name === name)) out.push({ name, offset: i });
    return j;
  });
  return out;
}

/**
 * The offset of the `;` that ends a first statement when more SQL follows it, else
 * undefined: a trailing `;` (with only blanks or comments after it) is one statement.
 * Without a dialect (a flow's SQL, before its pond is known), only a `;` both dialects
 * read as a statement break counts.
 */
export function sqlSecondStatement(sql: string, dialect?: SqlDialect): number | undefined {
  if (dialect === undefined) {
    const duck = sqlSecondStatement(sql, "duckdb");
    return duck !== undefined && sqlSecondStatement(sql, "mysql") !== undefined ? duck : undefined;
  }
  let semicolon: number | undefined;
  let found: number | undefined;
  scanCode(
    sql,
    (i) => {
      if (found !== undefined) return sql.length;
      if (sql[i] === ";") semicolon ??= i;
      else if (semicolon !== undefined && !/\s/.test(sql[i]!)) found = semicolon;
      return i + 1;
    },
    dialect,
  );
  return found;
}

/** MySQL reads `--` as a comment only when a space, a control character or the end follows it: `1--1` is 1 - (-1). */
function mysqlDashComment(sql: string, i: number): boolean {
  const after = sql.charCodeAt(i + 2);
  return Number.isNaN(after) || after <= 0x20;
}
