/**
 * The flow's graph laid out for the page: the nodes and edges `qb graph` draws (steps,
 * sinks, channels, signals dashed), placed by dagre on the server so the page only draws.
 * Node sizes leave room for the live counters under the label.
 */
import dagre from "@dagrejs/dagre";
import { graphModel } from "../dsl/graph.js";
import type { FlowIR } from "../ir/types.js";
import type { GraphLayout, LayoutEdge, LayoutNode } from "./model/view-types.js";

/** Width of a character and height of a line of the page's 12px monospace-ish labels. */
export const CHAR_PX = 7.2;
export const LINE_PX = 16;
/** Lines under a step's label: the counters, and a held step's round. */
const COUNTER_LINES = 1;
const MARGIN = 20;

export function layoutGraph(ir: FlowIR): GraphLayout {
  const { nodes, edges } = graphModel(ir);
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 50, edgesep: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) {
    const extra = n.kind === "sink" ? 0 : COUNTER_LINES + (n.kind === "held" ? 1 : 0);
    const longest = Math.max(...n.lines.map((l) => l.length), n.kind === "sink" ? 4 : 30);
    g.setNode(n.id, { width: Math.ceil(longest * CHAR_PX + 24), height: (n.lines.length + extra) * LINE_PX + 16 });
  }
  edges.forEach((e, i) => {
    const label = e.label ? { label: e.label, width: e.label.length * CHAR_PX + 8, height: LINE_PX, labelpos: "c" as const } : {};
    // a signal runs against the flow: it should not push its target below its sender
    g.setEdge(e.from, e.to, { ...label, ...(e.feedback ? { weight: 0, minlen: 1 } : {}) }, `e${i}`);
  });
  dagre.layout(g);

  const out: LayoutNode[] = nodes.map((n) => {
    const p = g.node(n.id);
    return {
      id: n.id,
      ...(n.kind !== "sink" ? { step: n.id.slice("step_".length) } : {}),
      kind: n.kind,
      lines: n.lines,
      x: p.x,
      y: p.y,
      width: p.width,
      height: p.height,
    };
  });
  const laid: LayoutEdge[] = edges.map((e, i) => {
    const p = g.edge({ v: e.from, w: e.to, name: `e${i}` }) as { points?: Array<{ x: number; y: number }>; x?: number; y?: number };
    return {
      from: e.from,
      to: e.to,
      ...(e.label !== undefined ? { label: e.label } : {}),
      feedback: e.feedback,
      points: (p.points ?? []).map(({ x, y }) => ({ x, y })),
      ...(e.label !== undefined && p.x !== undefined && p.y !== undefined ? { labelAt: { x: p.x, y: p.y } } : {}),
    };
  });
  // dagre may route edges left of 0: shift everything into view
  const xs = [...out.flatMap((n) => [n.x - n.width / 2, n.x + n.width / 2]), ...laid.flatMap((e) => e.points.map((p) => p.x))];
  const ys = [...out.flatMap((n) => [n.y - n.height / 2, n.y + n.height / 2]), ...laid.flatMap((e) => e.points.map((p) => p.y))];
  const dx = MARGIN - Math.min(0, ...xs);
  const dy = MARGIN - Math.min(0, ...ys);
  for (const n of out) {
    n.x += dx;
    n.y += dy;
  }
  for (const e of laid) {
    e.points = e.points.map((p) => ({ x: p.x + dx, y: p.y + dy }));
    if (e.labelAt) e.labelAt = { x: e.labelAt.x + dx, y: e.labelAt.y + dy };
  }
  return { width: Math.ceil(Math.max(0, ...xs) + dx + MARGIN), height: Math.ceil(Math.max(0, ...ys) + dy + MARGIN), nodes: out, edges: laid };
}
