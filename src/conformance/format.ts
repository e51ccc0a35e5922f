/** How `qb worker test` prints results: one line per check, then a summary. */
import type { CheckResult } from "./check.js";
import type { ConformanceReport } from "./run-conformance.js";

const LABEL = { pass: "PASS", fail: "FAIL", skip: "SKIP" } as const;

export function formatResult(r: CheckResult): string {
  return `${LABEL[r.status]}  ${r.name.padEnd(22)} ${r.detail}\n`;
}

export function formatSummary(report: ConformanceReport): string {
  let s = `\n${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`;
  if (report.reports.length) s += `; ${report.reports.length} callback report${report.reports.length === 1 ? "" : "s"} received`;
  s += "\n";
  if (report.tail.length) s += `\nlast output of the worker:\n${report.tail.map((l) => `  ${l}`).join("\n")}\n`;
  return s;
}
