/**
 * The report: a worker's text cannot break out of the embedded data or the page; its size
 * stays bounded however many calls the run made (100,000 here, with per-call events for
 * all of them, more than the event log ever keeps).
 */
import { createWriteStream, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freshDirPerTest } from "../../test/support/temp-dir.js";
import { escapeHtml, pageHtml, scriptJson } from "./html.js";
import type { ReportData } from "./model/view-types.js";
import { REPORT_LIMITS, reportData } from "./report.js";
import { appendEvents, irOf, makeRun } from "../../test/support/ui-runs.js";

const tmp = freshDirPerTest("qb-ui-report-");

const FLOW = `flow big() {
  worker w { run "node w.js" replicas 4 }
  xs = range(100000) | w.a
  emit xs
}
`;
const HOSTILE = `</script><script>alert(1)</script><!-- \u2028 <img src=x onerror=alert(2)> & "quotes"`;

function embedded(html: string): unknown {
  const m = /<script type="application\/json" id="qb-data">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error("no embedded data");
  return JSON.parse(m[1]!);
}

describe("report HTML", () => {
  it("embeds worker text so that it cannot end the script element, and reads back unchanged", () => {
    const data = { error: HOSTILE, log: [HOSTILE] };
    const html = pageHtml({ title: HOSTILE, script: { inline: "var s = '</script>'; // <!--" }, data, csp: "default-src 'none'" });
    // the only script closers are the two elements' own
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<!-- ");
    expect(embedded(html)).toEqual(data);
    expect(html).toContain(`<title>${escapeHtml(HOSTILE)}</title>`);
    expect(scriptJson("\u2028")).toBe('"\\u2028"');
  });

  it("keeps a 100,000-call run's data small: counters exact, lists bounded, the rule stated", async () => {
    const ir = irOf(FLOW);
    const dir = makeRun(tmp.path, "big", ir, { status: "finished", finishedAt: 2_000_000 });
    const out = createWriteStream(join(dir, "events.ndjson"));
    const write = (e: object): boolean => out.write(JSON.stringify(e) + "\n");
    write({ type: "run.started", runId: "big", flow: "big", steps: ["xs"], time: 1_000 });
    write({ type: "step.started", step: "xs", time: 1_000 });
    for (let i = 0; i < 100_000; i++) {
      const t = 1_000 + i * 10;
      write({ type: "call.started", step: "xs", worker: "w", method: "a", callId: i, attempt: 1, time: t });
      if (i % 1000 === 999)
        write({
          type: "call.failed",
          step: "xs",
          callId: i,
          attempt: 1,
          error: `${HOSTILE} ${"x".repeat(2000)}`,
          skipped: true,
          input: "{}",
          time: t + 5,
          replica: i % 4,
          logOffset: 0,
        });
      else write({ type: "call.finished", step: "xs", callId: i, attempt: 1, ms: 5 + (i % 13), replica: i % 4, queuedMs: 1, workerMs: 3, time: t + 5 });
    }
    write({ type: "step.finished", step: "xs", items: 99_900, time: 1_001_000 });
    write({ type: "run.finished", runId: "big", result: {}, elapsedMs: 1_000_000, calls: { done: 99_900, reused: 0, failed: 100 }, time: 1_001_000 });
    await new Promise<void>((r) => out.end(() => r()));
    writeFileSync(join(dir, "logs", "w-3.log"), Array.from({ length: 5000 }, (_, i) => `log line ${i} ${"y".repeat(1000)}`).join("\n"));

    const data: ReportData = reportData(dir, 0);
    const xs = data.view.steps.find((s) => s.name === "xs")!;
    expect(xs).toMatchObject({ done: 99_900, failed: 100, planned: 100_000, state: "done" });
    expect(data.view.calls.xs).toHaveLength(REPORT_LIMITS.callsPerStep);
    expect(data.view.failures).toHaveLength(REPORT_LIMITS.failures);
    expect(data.view.bars.length).toBeLessThanOrEqual(REPORT_LIMITS.bars + REPORT_LIMITS.failures);
    expect(data.view.throughput.counts.length).toBeLessThanOrEqual(REPORT_LIMITS.buckets);
    expect(data.view.throughput.counts.reduce((a, b) => a + b, 0)).toBe(99_900);
    expect(data.view.sampled.join(" ")).toMatch(/50 slowest of 100000/);
    expect(data.rule).toMatch(/counters exact/);
    const size = scriptJson(data).length;
    // the page's script (~25 KB) comes on top
    expect(size).toBeLessThan(1_500_000);
    const logged = Object.values(data.logs).flat();
    expect(logged.length).toBeGreaterThan(0);
    for (const x of logged) for (const l of x.lines) expect(l.text.length).toBeLessThanOrEqual(301);
  }, 60_000);

  it("draws a run whose events are only appended so far (live or killed) the same way", () => {
    const ir = irOf(FLOW);
    const dir = makeRun(tmp.path, "small", ir);
    appendEvents(dir, [{ type: "run.started", runId: "small", flow: "big", steps: ["xs"], time: 1 }]);
    const data = reportData(dir, 0);
    expect(data.view.status).toBe("running");
    expect(data.info.run.status).toBe("running");
  });
});
