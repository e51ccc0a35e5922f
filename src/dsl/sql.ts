/**
 * A light SQL scanner: named parameters (`:name`) and statement breaks, skipping quoted
 * strings, quoted identifiers, comments and `::` casts.
 */

/**
 * Calls `visit(i)` for each offset of `sql` outside quoted strings, quoted identifiers and
 * comments; `visit` returns the offset to go on from (at least i + 1).
 */
function scanCode(sql: string, visit: (i: number) => number): void {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === "`") {
      i++;
      while (i < sql.length) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else break;
        } else if (sql[i] === "\\" && c === "'") i += 2;
        else i++;
      }
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
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
 */
export function sqlSecondStatement(sql: string): number | undefined {
  let semicolon: number | undefined;
  let found: number | undefined;
  scanCode(sql, (i) => {
    if (found !== undefined) return sql.length;
    if (sql[i] === ";") semicolon ??= i;
    else if (semicolon !== undefined && !/\s/.test(sql[i]!)) found = semicolon;
    return i + 1;
  });
  return found;
}
