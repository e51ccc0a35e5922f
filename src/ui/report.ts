/**
 * `qb report RUN -o report.html`: one HTML file with the page's script, its styles and the
 * run's data inside, which opens from disk with no network (its Content-Security-Policy
 * forbids loading anything). The events are folded here, on the server side, by the model
 * the live page uses, and only a bounded view is embedded — REPORT_RULE says what is
 * kept — so a run of 100,000 calls gives a file of the same order as one of 1,000.
 */
import { GrowingFile } from "../common/growing-file.js";
import { parseEvent } from "../run/run-dir-files.js";
import { pageHtml } from "./html.js";
import { RunModel, type ViewLimits } from "./model/run-model.js";
import type { UiEvent } from "./model/ui-events.js";
import type { LogExcerpt, ReportData } from "./model/view-types.js";
import { pageBundle } from "./page-asset.js";
import { eventsPath, runInfo } from "./run-data.js";
import { logExcerpts } from "./server.js";

export const REPORT_LIMITS: ViewLimits = { callsPerStep: 50, failures: 50, bars: 2000, buckets: 600 };
/** Failed calls whose log lines are embedded, lines each side, characters per line. */
const LOGGED_FAILURES = 20;
const LOG_LINES = 20;
const LOG_LINE_CHARS = 300;

export const REPORT_RULE =
  `counters exact; per step the ${REPORT_LIMITS.callsPerStep} slowest calls; the first ${REPORT_LIMITS.failures} failed or retried calls, ` +
  `log lines (±${LOG_LINES}) for the first ${LOGGED_FAILURES}; a timeline of at most ${REPORT_LIMITS.bars} calls; at most ${REPORT_LIMITS.buckets} throughput buckets`;

const REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

export function reportData(dir: string, now = Date.now()): ReportData {
  const info = runInfo(dir);
  const model = new RunModel(info.steps);
  const reader = new GrowingFile(eventsPath(dir));
  for (;;) {
    const lines = reader.lines();
    if (lines.length === 0) break;
    for (const l of lines) {
      const e = parseEvent(l);
      if (e) model.apply(e as UiEvent);
    }
  }
  for (const l of reader.rest() ?? []) {
    const e = parseEvent(l);
    if (e) model.apply(e as UiEvent);
  }
  const view = model.view(REPORT_LIMITS);
  const logs: Record<string, LogExcerpt[]> = {};
  for (const c of view.failures.slice(0, LOGGED_FAILURES)) {
    if (c.worker === undefined) continue;
    const q = new URLSearchParams({ worker: c.worker });
    if (c.replica !== undefined) q.set("replica", String(c.replica));
    if (c.replica !== undefined && c.logOffset !== undefined) q.set("offset", String(c.logOffset));
    logs[`${c.step}#${c.callId}`] = logExcerpts(dir, q).map((x) => ({
      ...x,
      lines: x.lines.slice(-2 * LOG_LINES).map((l) => ({ at: l.at, text: l.text.length > LOG_LINE_CHARS ? `${l.text.slice(0, LOG_LINE_CHARS)}…` : l.text })),
    }));
  }
  return { info, view, logs, generatedAt: now, rule: REPORT_RULE };
}

export function reportHtml(data: ReportData): string {
  return pageHtml({ title: `qb report: ${data.info.run.flow} ${data.info.run.id}`, script: { inline: pageBundle() }, data, csp: REPORT_CSP });
}
