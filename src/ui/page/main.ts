/**
 * The page's entry point (bundled by scripts/bundle.ts into dist/ui/page.bundle.js). With a
 * `qb-data` element (a report) it draws the embedded view; otherwise it asks the server
 * for the runs and follows one run's events over Server-Sent Events: EventSource
 * reconnects by itself after a drop, and the server resumes after the last line it got.
 */
import { LIVE_LIMITS, RunModel } from "../model/run-model.js";
import type { UiEvent } from "../model/ui-events.js";
import type { LogExcerpt, ReportData, RunInfo, RunSummary } from "../model/view-types.js";
import { App } from "./app.js";

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { credentials: "same-origin" });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function startStatic(root: HTMLElement, data: ReportData): void {
  const app = new App(
    root,
    async (c) => data.logs[`${c.step}#${c.callId}`] ?? [],
    "static",
    `report of ${new Date(data.generatedAt).toISOString()} · ${data.rule}`,
  );
  app.setRun(data.info);
  app.show(data.view, true);
}

async function startLive(root: HTMLElement): Promise<void> {
  const runs = await getJson<RunSummary[]>("/api/runs");
  const wanted = new URLSearchParams(location.search).get("run") ?? runs[0]?.id;
  let runId = wanted;
  const app = new App(
    root,
    (c) => {
      const q = new URLSearchParams({ worker: c.worker ?? "" });
      if (c.replica !== undefined) q.set("replica", String(c.replica));
      if (c.replica !== undefined && c.logOffset !== undefined) q.set("offset", String(c.logOffset));
      return getJson<LogExcerpt[]>(`/api/runs/${encodeURIComponent(runId!)}/log?${q}`);
    },
    "live",
  );
  app.showRuns(runs, runId);
  if (runId === undefined) {
    root.append(Object.assign(document.createElement("p"), { className: "note", textContent: "no runs in this folder yet (qb run F)" }));
    return;
  }
  const info = await getJson<RunInfo>(`/api/runs/${encodeURIComponent(runId)}`);
  runId = info.run.id;
  app.setRun(info);
  const model = new RunModel(info.steps);
  let timer: number | undefined;
  let reconnects = 0;
  // redraws at most every 250 ms, less often when drawing is slow (a fast run's page must
  // not take the CPU its workers need)
  let drawCost = 0;
  const draw = (heavy: boolean): void => {
    timer = undefined;
    const t0 = performance.now();
    app.show(model.view(LIVE_LIMITS, app.wants(heavy)), heavy);
    app.streamState.setAttribute("data-events", String(model.count));
    drawCost = performance.now() - t0;
  };
  const schedule = (): void => {
    timer ??= window.setTimeout(() => draw(false), Math.max(250, 10 * drawCost));
  };
  app.refresh = () => {
    if (timer !== undefined) window.clearTimeout(timer);
    draw(false);
  };
  draw(true);
  const stream = new EventSource(`/api/runs/${encodeURIComponent(runId)}/events`);
  const state = (s: string, text: string): void => {
    app.streamState.setAttribute("data-state", s);
    app.streamState.textContent = text;
  };
  state("connecting", "connecting…");
  stream.onopen = () => state("open", reconnects ? `live (reconnected ${reconnects}×)` : "live");
  // elapsed times move on while nothing happens (a long call, a held step waiting)
  const ticker = window.setInterval(schedule, 1000);
  stream.onerror = () => {
    if (stream.readyState === EventSource.CLOSED) return;
    reconnects++;
    app.streamState.setAttribute("data-reconnects", String(reconnects));
    state("connecting", "reconnecting…");
  };
  stream.onmessage = (m: MessageEvent<string>) => {
    // one message: a batch of events as a JSON array (src/ui/event-stream.ts)
    for (const e of JSON.parse(m.data) as UiEvent[]) model.apply(e);
    schedule();
  };
  stream.addEventListener("end", () => {
    stream.close();
    window.clearInterval(ticker);
    state("ended", "run over: all events read");
    void Promise.all([getJson<RunInfo>(`/api/runs/${encodeURIComponent(runId!)}`), getJson<RunSummary[]>("/api/runs")]).then(([i, all]) => {
      app.updateRun(i.run);
      app.showRuns(all, runId);
      if (timer !== undefined) window.clearTimeout(timer);
      draw(true);
    });
  });
}

const root = document.getElementById("app")!;
const embedded = document.getElementById("qb-data");
if (embedded) startStatic(root, JSON.parse(embedded.textContent ?? "{}") as ReportData);
else
  startLive(root).catch((err: unknown) => {
    const p = document.createElement("p");
    p.className = "note";
    p.textContent = `the page could not load: ${err instanceof Error ? err.message : String(err)}`;
    root.append(p);
  });
