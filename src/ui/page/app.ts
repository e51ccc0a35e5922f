/**
 * The page: header with the run's state and totals, the graph, the failures (first: they
 * are what one looks for), the selected step's calls and a failed call's detail, the
 * timeline per replica and the throughput. The same code draws a live run (fed by
 * live.ts) and a report (a view embedded in the file).
 */
import type { ViewParts } from "../model/run-model.js";
import type { CallView, RunInfo, RunStatus, RunSummary, RunView } from "../model/view-types.js";
import { callsTable, failurePanel, stepSummary, type LogSource } from "./calls-view.js";
import { clear, fmtMs, h, setText } from "./dom.js";
import { graphView, type GraphView } from "./graph-view.js";
import { throughputChart, timeline } from "./timeline-view.js";

const callKey = (c: { step: string; callId: number }): string => `${c.step}#${c.callId}`;

export function shownStatus(view: RunView, run: RunSummary): RunStatus {
  if (view.status !== "running" && view.status !== "unknown") return view.status;
  return run.status !== "running" ? run.status : "running";
}

export class App {
  private info: RunInfo | undefined;
  private view: RunView | undefined;
  private graph: GraphView | undefined;
  private selected: string | null = null;
  private open: { key: string; sig: string } | null = null;
  /** Once someone picks a step, failures no longer take over the selection. */
  private chosen = false;
  private failuresSig = "";
  private lastHeavy = 0;
  /** How long the last timeline and throughput took to draw: they are drawn less often when costly. */
  private heavyCost = 0;

  readonly header = h("header");
  readonly nav = h("nav", { id: "runs" }, h("h2", {}, "Runs"));
  private readonly graphBox = h("div", { id: "graph-box" });
  private readonly failures = h("ul", { id: "failures" });
  private readonly stepBox = h("div", { id: "step" });
  private readonly failureBox = h("div", { id: "failure-box" });
  private readonly timelineBox = h("div", { id: "timeline-box" });
  private readonly throughputBox = h("div", { id: "throughput-box" });
  private readonly notes = h("div", { id: "sampled", class: "note" });
  private readonly status = h("span", { id: "run-status", class: "status", "data-status": "unknown" }, "…");
  private readonly title = h("h1", { id: "flow-name" });
  private readonly elapsed = h("span", { id: "elapsed", class: "muted" });
  private readonly totals = h("span", { class: "totals", id: "totals" });
  readonly streamState = h("span", { id: "stream", class: "muted", "data-state": "idle" });
  private readonly runId = h("span", { id: "run-id", class: "muted" });

  constructor(
    root: HTMLElement,
    private readonly logs: LogSource,
    private readonly mode: "live" | "static",
    extraHeader?: string,
  ) {
    const total = (name: string, label: string): HTMLElement => h("span", {}, label, " ", h("b", { "data-total": name }, "0"));
    this.totals.append(total("done", "done"), total("inflight", "in flight"), total("retried", "retried"), total("failed", "failed"));
    this.header.append(this.title, this.status, this.runId, this.elapsed, this.totals, this.streamState);
    if (extraHeader) this.header.append(h("span", { class: "muted", id: "report-note" }, extraHeader));
    const content = h(
      "div",
      { class: "content" },
      h("section", { id: "graph-section" }, h("h2", {}, "Graph"), this.graphBox),
      h("section", { id: "failures-section" }, h("h2", {}, "Failures"), this.failures),
      h("section", { id: "step-section" }, h("h2", {}, "Step"), this.stepBox, this.failureBox),
      h("section", { id: "timeline-section" }, h("h2", {}, "Timeline per replica"), this.timelineBox),
      h("section", { id: "throughput-section" }, h("h2", {}, "Calls finished per second"), this.throughputBox),
      this.notes,
    );
    const main = h("main", {}, mode === "live" ? this.nav : h("nav", {}, h("h2", {}, "Report")), content);
    root.append(this.header, main);
    this.stepBox.append(h("p", { class: "note" }, "click a step in the graph to see its calls"));
  }

  setRun(info: RunInfo): void {
    this.info = info;
    this.view = undefined;
    this.selected = null;
    this.open = null;
    this.chosen = false;
    this.failuresSig = "";
    setText(this.title, info.run.flow);
    setText(this.runId, info.run.id);
    this.graph = graphView(info.graph, info.steps, (step) => {
      this.chosen = true;
      this.select(step);
    });
    clear(this.graphBox);
    this.graphBox.append(this.graph.el);
  }

  updateRun(run: RunSummary): void {
    if (this.info) this.info = { ...this.info, run };
    if (this.view) this.show(this.view, true);
  }

  showRuns(runs: RunSummary[], current: string | undefined): void {
    for (const el of [...this.nav.querySelectorAll("a")]) el.remove();
    for (const r of runs) {
      this.nav.append(
        h(
          "a",
          { href: `?run=${encodeURIComponent(r.id)}`, "data-run-id": r.id, "aria-current": r.id === current ? "true" : undefined },
          h("span", { class: "status", "data-status": r.status }, r.status),
          " ",
          r.flow,
          h("br"),
          h("span", { class: "muted" }, r.id),
        ),
      );
    }
  }

  /** Set by a live page: asks for a fresh view (a view holds the calls of the step selected when it was made). */
  refresh: (() => void) | undefined;

  private redraw(): void {
    if (this.refresh) this.refresh();
    else if (this.view) this.show(this.view, false);
  }

  private select(step: string): void {
    this.selected = step;
    this.open = null;
    this.redraw();
  }

  private openCall(c: CallView): void {
    this.chosen = true;
    this.selected = c.step;
    this.open = { key: callKey(c), sig: "" };
    this.redraw();
  }

  /** What the next `show` needs of a view: the selected step's calls, the timeline when it is due. */
  wants(heavy: boolean): ViewParts {
    return { callsOf: this.selected === null ? [] : [this.selected], bars: heavy || this.heavyDue() };
  }

  /** The timeline and throughput were last drawn with nothing in them. */
  private drawnEmpty = true;

  private heavyDue(): boolean {
    return this.drawnEmpty || Date.now() - this.lastHeavy > Math.max(1000, 20 * this.heavyCost);
  }

  /** Draws `view`; the timeline and throughput at most once a second (less when they are costly) unless `heavy`. */
  show(view: RunView, heavy: boolean): void {
    const info = this.info;
    if (!info) return;
    this.view = view;
    const status = shownStatus(view, info.run);
    this.status.setAttribute("data-status", status);
    setText(this.status, status);
    const start = view.startedAt ?? info.run.startedAt;
    const end = view.finishedAt ?? (status === "running" && this.mode === "live" ? Date.now() : (view.lastTime ?? info.run.finishedAt ?? start));
    setText(this.elapsed, fmtMs(end - start));
    const t = view.totals;
    for (const [k, v] of [
      ["done", t.done],
      ["inflight", t.inFlight],
      ["retried", t.retried],
      ["failed", t.failed],
    ] as const)
      setText(this.totals.querySelector(`[data-total="${k}"]`), String(v));
    this.graph?.update(view.steps, this.selected);

    // failure first: until someone picks a step, the first failure is open
    if (!this.chosen && view.failures.length > 0 && this.open === null) {
      const f = view.failures.find((c) => c.state === "failed") ?? view.failures[0]!;
      const moved = this.selected !== f.step;
      this.selected = f.step;
      this.open = { key: callKey(f), sig: "" };
      // this view has no calls of that step yet
      if (moved && this.refresh) queueMicrotask(this.refresh);
    }
    this.drawFailures(view);
    this.drawStep(view, info);
    if (heavy || this.heavyDue()) {
      const t0 = performance.now();
      const width = Math.max(600, this.timelineBox.clientWidth || 1000);
      clear(this.timelineBox);
      this.timelineBox.append(timeline(view.bars, width, status === "running" && this.mode === "live" ? Date.now() : (view.lastTime ?? 0)));
      clear(this.throughputBox);
      this.throughputBox.append(throughputChart(view.throughput, width));
      if (view.rolled)
        this.throughputBox.append(h("p", { class: "note" }, "past the event log's per-call limit, calls are counted once a second (calls.rolled)"));
      clear(this.notes);
      for (const n of view.sampled) this.notes.append(h("div", {}, n));
      this.lastHeavy = Date.now();
      this.heavyCost = performance.now() - t0;
      this.drawnEmpty = view.bars.length === 0 && view.throughput.counts.length === 0;
    }
  }

  private drawFailures(view: RunView): void {
    const sig = view.failures.map((c) => `${callKey(c)}:${c.state}:${c.attempt}`).join(",");
    if (sig === this.failuresSig) return;
    this.failuresSig = sig;
    clear(this.failures);
    if (view.failures.length === 0) this.failures.append(h("li", { class: "note", style: "color:inherit;cursor:default" }, "none"));
    for (const c of view.failures) {
      const li = h(
        "li",
        { "data-step": c.step, "data-call-id": c.callId, "data-state": c.state },
        `${c.state === "failed" ? "✗" : "↻"} ${c.step} #${c.callId} (attempt ${c.attempt}): ${(c.error ?? "").split("\n")[0]!.slice(0, 160)}`,
      );
      li.addEventListener("click", () => this.openCall(c));
      this.failures.append(li);
    }
  }

  private drawStep(view: RunView, info: RunInfo): void {
    const st = view.steps.find((s) => s.name === this.selected);
    if (!st) return;
    const section = this.stepBox.parentElement!;
    setText(section.querySelector("h2"), `Step ${st.name} (line ${info.steps.find((s) => s.name === st.name)?.line ?? "?"})`);
    clear(this.stepBox);
    const calls = view.calls[st.name] ?? [];
    this.stepBox.append(stepSummary(st));
    const now = view.status === "running" && this.mode === "live" ? Date.now() : (view.lastTime ?? 0);
    if (calls.length) this.stepBox.append(callsTable(calls, now, (c) => this.openCall(c)));
    else this.stepBox.append(h("p", { class: "note" }, view.rolled ? "no per-call events for this step (past the event log's limit)" : "no calls yet"));
    if (!this.open) return clear(this.failureBox);
    const c = calls.find((x) => callKey(x) === this.open!.key) ?? view.failures.find((x) => callKey(x) === this.open!.key);
    if (!c) return;
    const sig = `${c.state}:${c.attempt}:${c.error ?? ""}`;
    if (sig === this.open.sig) return;
    this.open.sig = sig;
    clear(this.failureBox);
    this.failureBox.append(failurePanel(info, c, this.logs));
  }
}
