/**
 * `qb check` and `qb run` on files no one should write by hand: a binary is refused with one
 * line, and a huge garbage text gives a bounded report, quickly. Runs bin/qb.js: `npm run
 * build` first.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { garbageText, randomBytes } from "./support/garbage.js";
import { runQb } from "./worker-fixtures/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "qb-bounds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const binary = join(dir, "binary.flow");
writeFileSync(binary, Buffer.concat([Buffer.from("flow f() {\n  x = "), randomBytes(1, 150_000)]));
const garbage = join(dir, "garbage.flow");
writeFileSync(garbage, garbageText(1, 5_000_000, "ascii"));

describe("bounded diagnostics", () => {
  it("refuses a binary file with one line naming its first bad byte", async () => {
    for (const command of ["check", "run", "fmt", "compile"]) {
      const t = Date.now();
      const r = await runQb([command, binary]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^qb: \S+binary\.flow:2:7: not a flow: (a NUL byte|byte 0x[0-9a-f]{2} is not UTF-8)[^\n]*; a flow is UTF-8 text\n$/);
      expect(Date.now() - t).toBeLessThan(10_000);
    }
  }, 60_000);

  it("reports the first 50 mistakes of 5 MB of garbage text, then counts the rest", async () => {
    const t = Date.now();
    const r = await runQb(["check", garbage]);
    expect(Date.now() - t).toBeLessThan(20_000);
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeLessThan(50_000);
    expect(r.stderr.match(/^\S+garbage\.flow:\d+:\d+: error QB\d{4}: /gm)).toHaveLength(50);
    expect(r.stderr).toMatch(/garbage\.flow: and \d+ more errors \(only the first 50 are shown\)\n\S+garbage\.flow: \d+ errors, 0 warnings\n$/);

    const json = await runQb(["check", "--json", garbage]);
    expect(json.code).toBe(2);
    expect(json.stdout.length).toBeLessThan(50_000);
    const report = JSON.parse(json.stdout) as { ok: boolean; diagnostics: unknown[]; omitted: Array<{ file: string; errors: number; warnings: number }> };
    expect(report.diagnostics).toHaveLength(50);
    expect(report.omitted).toEqual([{ file: garbage, errors: expect.any(Number), warnings: 0 }]);
    // the compiler stops reading after 1,000 mistakes (src/dsl/limits.ts): the rest is counted up to there
    expect(report.omitted[0]!.errors).toBeGreaterThan(900);
  }, 60_000);
});
