/** The flow's graph as SVG, laid out by the server; each step's state and counters updated in place. */
import type { GraphLayout, LayoutNode, StepInfo, StepView } from "../model/view-types.js";
import { s, setText } from "./dom.js";

const LINE = 16;

export interface GraphView {
  el: SVGSVGElement;
  update(steps: StepView[], selected: string | null): void;
}

function pathOf(points: Array<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
}

function stepNode(n: LayoutNode, calls: boolean, onSelect: (step: string) => void): SVGGElement {
  const left = n.x - n.width / 2;
  const top = n.y - n.height / 2;
  const g = s("g", { class: "node", "data-step": n.step, "data-kind": n.kind, "data-state": "waiting", tabindex: 0, role: "button" });
  g.append(s("rect", { class: "box", x: left, y: top, width: n.width, height: n.height }));
  g.append(s("rect", { class: "bar", "data-bar": "", x: left + 2, y: top + n.height - 6, width: 0, height: 4 }));
  n.lines.forEach((line, i) => g.append(s("text", { class: i === 0 ? "name" : "stage", x: left + 10, y: top + 20 + i * LINE }, line)));
  const y = top + 20 + n.lines.length * LINE;
  const counter = (name: string, text = "0"): SVGTSpanElement => s("tspan", { "data-counter": name }, text);
  // a step without calls (merge, gather) only passes items on
  if (!calls) g.append(s("text", { class: "counters", x: left + 10, y }, "items ", counter("items", "–")));
  else
    g.append(
      s(
        "text",
        { class: "counters", x: left + 10, y },
        counter("done"),
        "/",
        counter("total", "?"),
        "  ▶",
        counter("inflight"),
        " ↻",
        counter("retried"),
        " ✗",
        counter("failed"),
      ),
    );
  if (n.kind === "held") g.append(s("text", { class: "held", x: left + 10, y: y + LINE }, "round ", counter("round", "–"), " · live ", counter("live")));
  g.append(s("title", {}, `step ${n.step ?? ""}: click for its calls`));
  const select = (): void => onSelect(n.step!);
  g.addEventListener("click", select);
  g.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") select();
  });
  return g;
}

export function graphView(layout: GraphLayout, steps: StepInfo[], onSelect: (step: string) => void): GraphView {
  const svg = s("svg", { id: "graph", width: layout.width, height: layout.height, viewBox: `0 0 ${layout.width} ${layout.height}` });
  svg.append(
    s(
      "defs",
      {},
      s(
        "marker",
        { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
        s("path", { d: "M0,0 L10,5 L0,10 z", fill: "#64748b" }),
      ),
    ),
  );
  const stepName = (id: string): string => (id.startsWith("step_") ? id.slice(5) : id);
  for (const e of layout.edges) {
    svg.append(
      s("path", {
        class: "edge",
        d: pathOf(e.points),
        "marker-end": "url(#arrow)",
        "data-from": stepName(e.from),
        "data-to": stepName(e.to),
        "data-feedback": String(e.feedback),
        "data-signal": e.label,
      }),
    );
    if (e.label && e.labelAt) svg.append(s("text", { class: "edge-label", x: e.labelAt.x, y: e.labelAt.y, "text-anchor": "middle" }, e.label));
  }
  const nodes = new Map<string, SVGGElement>();
  for (const n of layout.nodes) {
    if (n.kind === "sink") {
      const g = s("g", { class: "sink", "data-sink": n.id });
      g.append(s("rect", { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height, rx: 2 }));
      n.lines.forEach((l, i) => g.append(s("text", { x: n.x - n.width / 2 + 10, y: n.y - n.height / 2 + 20 + i * LINE }, l)));
      svg.append(g);
      continue;
    }
    const g = stepNode(n, steps.find((i) => i.name === n.step)?.workers.length !== 0, onSelect);
    nodes.set(n.step!, g);
    svg.append(g);
  }
  return {
    el: svg,
    update(steps, selected) {
      for (const st of steps) {
        const g = nodes.get(st.name);
        if (!g) continue;
        if (g.getAttribute("data-state") !== st.state) g.setAttribute("data-state", st.state);
        g.setAttribute("data-selected", String(st.name === selected));
        const c = (name: string): Element | null => g.querySelector(`[data-counter="${name}"]`);
        setText(c("items"), st.items === null ? "–" : String(st.items));
        setText(c("done"), String(st.done));
        setText(c("total"), st.planned !== null ? String(st.planned) : st.state === "done" ? String(st.done + st.failed) : "?");
        setText(c("inflight"), String(st.inFlight));
        setText(c("retried"), String(st.retried));
        setText(c("failed"), String(st.failed));
        if (st.held) {
          setText(c("round"), st.held.round < 0 ? "–" : String(st.held.round));
          setText(c("live"), String(st.held.live));
        }
        const bar = g.querySelector("[data-bar]");
        const box = g.querySelector("rect.box");
        if (bar && box) bar.setAttribute("width", String(Math.max(0, (Number(box.getAttribute("width")) - 4) * (st.fraction ?? 0))));
      }
    },
  };
}
