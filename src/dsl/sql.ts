/**
 * Named parameters (`:name`) of an SQL text, in order of first use, skipping quoted
 * strings, quoted identifiers, comments and `::` casts.
 */
export function sqlParameters(sql: string): string[] {
  return sqlParameterUses(sql).map((u) => u.name);
}

/** Each named parameter with the offset of its first `:` in the SQL text. */
export function sqlParameterUses(sql: string): Array<{ name: string; offset: number }> {
  const out: Array<{ name: string; offset: number }> = [];
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
    } else if (c === ":" && sql[i + 1] === ":") {
      i += 2;
    } else if (c === ":" && /[A-Za-z_]/.test(sql[i + 1] ?? "")) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
      const name = sql.slice(i + 1, j);
      if (!out.some((u) => u.name === name)) out.push({ name, offset: i });
      i = j;
    } else {
      i++;
    }
  }
  return out;
}
