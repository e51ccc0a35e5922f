/** A step's calls as a table (slowest first), and a failed call with its error, input, flow line and log. */
import type { CallView, LogExcerpt, RunInfo, StepView } from "../model/view-types.js";
import { clear, fmtMs, h } from "./dom.js";

export type LogSource = (call: CallView) => Promise<LogExcerpt[]>;

function replicaOf(c: CallView): string {
  return c.replica === undefined ? "—" : `${c.worker ?? "?"}-${c.replica}`;
}

/** queued / transport / worker as a bar; the part not split (no workerMs) in grey. */
function split(c: CallView): HTMLElement {
  const el = h("span", { class: "split", title: "queued / transport / worker" });
  if (!c.ms) return el;
  const part = (cls: string, ms: number): void => void el.append(h("i", { class: cls, style: `width:${Math.max(0, (100 * ms) / c.ms!).toFixed(1)}%` }));
  part("q", c.queuedMs ?? 0);
  if (c.workerMs !== undefined) {
    part("t", c.transportMs ?? 0);
    part("w", c.workerMs);
  } else part("u", c.ms - (c.queuedMs ?? 0));
  return el;
}

export function stepSummary(st: StepView): HTMLElement {
  const elapsed = st.startedAt !== null ? (st.finishedAt ?? Date.now()) - st.startedAt : null;
  return h(
    "p",
    { class: "note", "data-step-summary": st.name },
    `state ${st.state} · ${st.done} done${st.planned !== null ? ` of ${st.planned}` : ""} · ${st.inFlight} in flight · ${st.retried} retried · ${st.failed} failed`,
    st.reused ? ` · ${st.reused} reused` : "",
    st.meanMs !== null ? ` · mean ${fmtMs(st.meanMs)}, max ${fmtMs(st.maxMs)}` : "",
    elapsed !== null ? ` · elapsed ${fmtMs(elapsed)}` : "",
    st.held ? ` · round ${st.held.round < 0 ? "–" : st.held.round}, ${st.held.live} held calls live` : "",
  );
}

/** `now`: a running call's total is its time so far (marked …). */
export function callsTable(calls: CallView[], now: number, onOpen: (c: CallView) => void): HTMLElement {
  const head = h(
    "tr",
    {},
    ...["call", "replica", "attempt", "state"].map((t) => h("th", {}, t)),
    ...["total", "queued", "transport", "worker"].map((t) => h("th", { class: "num" }, t)),
    h("th", {}, "split"),
    h("th", {}, "progress / error"),
  );
  const body = h("tbody");
  for (const c of calls) {
    const tr = h(
      "tr",
      { "data-call-id": c.callId, "data-state": c.state, class: c.error ? "clickable" : undefined },
      h("td", { "data-col": "call" }, `#${c.callId}`),
      h("td", { "data-col": "replica" }, replicaOf(c)),
      h("td", { "data-col": "attempt", class: "num" }, c.attempt),
      h("td", { "data-col": "state" }, c.state),
      h(
        "td",
        { "data-col": "ms", class: "num" },
        c.ms === undefined && c.startedAt !== undefined && (c.state === "running" || c.state === "held") ? `${fmtMs(now - c.startedAt)}…` : fmtMs(c.ms),
      ),
      h("td", { "data-col": "queued", class: "num" }, fmtMs(c.queuedMs)),
      h("td", { "data-col": "transport", class: "num" }, fmtMs(c.transportMs)),
      h("td", { "data-col": "worker", class: "num" }, fmtMs(c.workerMs)),
      h("td", {}, split(c)),
      h(
        "td",
        { "data-col": "note" },
        c.error
          ? c.error.split("\n")[0]!.slice(0, 120)
          : c.progress
            ? `${c.progress.fraction >= 0 ? `${Math.round(c.progress.fraction * 100)}% ` : ""}${c.progress.message}`
            : "",
      ),
    );
    if (c.error) tr.addEventListener("click", () => onOpen(c));
    body.append(tr);
  }
  return h("table", { id: "calls" }, h("thead", {}, head), body);
}

/** The failed call's panel; its log lines arrive from `logs` (a request live, the embedded excerpt in a report). */
export function failurePanel(info: RunInfo, c: CallView, logs: LogSource): HTMLElement {
  const where = `${info.run.file ?? `${info.run.flow}.flow`}:${c.line ?? "?"}`;
  const logBox = h("div", { class: "logs" }, h("p", { class: "note" }, "loading the replica's log…"));
  const panel = h(
    "div",
    { id: "failure", "data-step": c.step, "data-call-id": c.callId },
    h("h3", {}, `${c.state === "failed" ? "Failed" : "Retried"}: step ${c.step}, call #${c.callId}, attempt ${c.attempt}, replica ${replicaOf(c)}`),
    h("div", { class: "error", "data-field": "error" }, c.error ?? ""),
    h("p", {}, "input: ", h("code", { "data-field": "input" }, c.input ?? "—")),
    h("p", {}, "flow line: ", h("code", { "data-field": "line" }, where)),
    logBox,
  );
  logs(c).then(
    (excerpts) => {
      clear(logBox);
      if (excerpts.length === 0) logBox.append(h("p", { class: "note" }, "no log lines for this replica"));
      for (const x of excerpts) {
        const pre = h("pre", { class: "log", "data-log": `${x.worker}-${x.replica ?? "?"}` });
        let marked = false;
        for (const l of x.lines) {
          const after = x.mark !== null && l.at >= x.mark;
          if (after && !marked) {
            pre.append(h("span", { class: "mark" }, "── the call failed here ──\n"));
            marked = true;
          }
          pre.append(h("span", { class: after ? "after" : undefined, "data-line-at": l.at }, l.text + "\n"));
        }
        logBox.append(
          h("p", { class: "note" }, `logs/${x.worker}-${x.replica ?? "?"}.log${x.mark === null ? " (its last lines)" : ` around byte ${x.mark}`}`),
          pre,
        );
      }
    },
    (err: unknown) => {
      clear(logBox);
      logBox.append(h("p", { class: "note" }, `the log could not be read: ${err instanceof Error ? err.message : String(err)}`));
    },
  );
  return panel;
}
