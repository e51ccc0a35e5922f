/** `qb pond query` prints a big result as a table: the column widths must not need one call argument per row. */
import { describe, expect, it } from "vitest";
import { formatTable } from "../src/cli/commands/pond.js";

describe("qb pond query's table", () => {
  it("prints 300,000 rows (the widths were Math.max(...one argument per row), past the stack's limit)", () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `x${i}` }));
    const text = formatTable(rows);
    const lines = text.split("\n");
    expect(lines[0]).toBe("     i  s");
    expect(lines[2]).toBe("     0  x0");
    expect(lines.at(-2)).toBe("(300000 rows)");
  });
});
