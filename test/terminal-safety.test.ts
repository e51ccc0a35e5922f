/**
 * Text from workers (errors, reports, stderr, Describe) reaches the terminal escaped: an
 * escape sequence in it must not retitle the window or clear the screen. JSON output and
 * the run's files keep the text as the worker sent it. Runs bin/qb.js: `npm run build` first.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, runQb } from "./worker-fixtures/helpers.js";

const RAW = "\x1b]0;pwned\x07\x1b[2J\u202eevil";
const SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil";
const WORKER = `node ${ROOT}/test/workers/hostile.js`;

/** Anything a terminal would act on: C0 but newline and tab, DEL, C1, bidi controls. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const dir = mkdtempSync(join(tmpdir(), "qb-terminal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// a warning report, a skipped item and a failed call, in that order (the gather waits for both)
const flow = join(dir, "hostile.flow");
writeFileSync(
  flow,
  `flow hostile() {
  worker h { run "${WORKER}" }
  a = range(1) | h.warn
  b = range(1) | h.fail on error skip
  c = merge(a, b) | gather | h.fail
  emit c
}
`,
);

describe("worker text on a terminal", () => {
  it("qb run shows a worker's errors, reports and skipped items escaped", async () => {
    const r = await runQb(["run", flow, "--run-dir", join(dir, "human")]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(CONTROL);
    expect(r.stderr).toContain(`report ${SHOWN}`);
    expect(r.stderr).toContain(`skipped: `);
    expect(r.stderr).toMatch(/skipped: .*bad input \\x1b\]0;pwned/);
    expect(r.stderr).toMatch(/qb: run failed: .*bad input \\x1b\]0;pwned\\x07\\x1b\[2J\\u202eevil/);
    // the run's files keep what the worker sent
    const events = readFileSync(join(dir, "human", "events.ndjson"), "utf8");
    expect(events.split("\n").filter((l) => l.includes("pwned")).length).toBeGreaterThan(0);
    expect(events).toContain(JSON.stringify(`bad input ${RAW}`).slice(1, -1));
    expect(readFileSync(join(dir, "human", "logs", "h-0.log"), "utf8")).toContain(`stderr ${RAW}`);
  }, 60_000);

  it("qb run --json keeps the worker's text as it was sent", async () => {
    const r = await runQb(["run", flow, "--json", "--run-dir", join(dir, "json")]);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((e) => e.type === "log" && String(e.message).includes("report"))?.message).toContain(`report ${RAW}`);
    expect(lines.find((e) => e.type === "call.failed" && e.skipped)?.error).toContain(`bad input ${RAW}`);
    expect(lines.at(-1)).toMatchObject({ type: "error" });
    expect(lines.at(-1)!.error).toContain(`bad input ${RAW}`);
    // stderr is for people: escaped there too
    expect(r.stderr).not.toMatch(CONTROL);
    expect(r.stderr).toContain(`bad input ${SHOWN}`);
  }, 60_000);

  it("qb worker test shows the worker's Describe text escaped, and --json keeps it", async () => {
    const human = await runQb(["worker", "test", "--", WORKER]);
    expect(human.stdout).not.toMatch(CONTROL);
    expect(human.stdout).toMatch(/PASS {2}describe .*hostile 1\.0 \\x1b\]0;pwned\\x07\\x1b\[2J\\u202eevil/);
    const json = await runQb(["worker", "test", "--json", "--", WORKER]);
    const report = JSON.parse(json.stdout) as { results: Array<{ name: string; detail: string }> };
    expect(report.results.find((x) => x.name === "describe")?.detail).toContain(`hostile 1.0 ${RAW}`);
  }, 90_000);
});
