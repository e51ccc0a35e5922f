import type { FlowIR, SinkIR, SourceIR, StageIR } from "../ir/types.js";
import { printIRExpr } from "../ir/print.js";
import { sourceSteps } from "../ir/source-steps.js";

export type GraphFormat = "dot" | "mermaid";

function sourceLabel(s: SourceIR): string | undefined {
  switch (s.kind) {
    case "step":
      return undefined;
    case "range":
      return `range(${s.count})`;
    case "list":
      return `list of ${s.items.length}`;
    case "merge":
      return "merge";
    case "join":
      return s.by === null ? "combine" : `join by ${printIRExpr(s.by)}`;
    case "pond":
      return `pond: ${s.sql.length > 40 ? `${s.sql.slice(0, 37)}...` : s.sql}`;
    case "glob":
      return `${s.root === null ? "land.glob" : "glob"}(${s.pattern}${s.exclude ? `, exclude ${s.exclude.join(" ")}` : ""})`;
  }
}

function stageLabel(s: StageIR): string {
  switch (s.kind) {
    case "call":
      return `${s.worker}.${s.method}${s.hold ? " (hold)" : ""}${s.options.parallel ? ` ×${s.options.parallel}` : ""}`;
    case "reduce":
      return `reduce ${s.worker}.${s.method}`;
    case "gather":
      return s.byRound ? "gather by round" : "gather";
    case "take":
      return `take ${s.count}`;
    case "where":
      return `where ${printIRExpr(s.test)}`;
    case "map":
      return `map ${printIRExpr(s.expr)}`;
    case "group":
      return `group by ${printIRExpr(s.key)}`;
    default:
      return s.kind;
  }
}

function sinkLabel(s: SinkIR): string {
  return s.kind === "emit" ? "emit" : s.kind === "pond" ? `pond.table ${s.table}` : `land ${s.path}`;
}

export interface GraphNode {
  id: string;
  lines: string[];
  kind: "step" | "held" | "sink";
}
export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
  feedback: boolean;
}

/** Nodes are steps (and sinks), edges are channels; signal edges are the dashed feedback. The web view draws the same. */
export function graphModel(ir: FlowIR): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const s of ir.steps) {
    const lines = [s.name];
    const src = sourceLabel(s.source);
    if (src) lines.push(src);
    for (const st of s.stages) lines.push(stageLabel(st));
    nodes.push({ id: `step_${s.name}`, lines, kind: s.held ? "held" : "step" });
    // a self-join reads its step twice: one edge
    for (const m of new Set(sourceSteps(s.source))) edges.push({ from: `step_${m}`, to: `step_${s.name}`, feedback: false });
  }
  for (const sig of ir.signals) edges.push({ from: `step_${sig.from}`, to: `step_${sig.step}`, label: sig.name, feedback: true });
  ir.sinks.forEach((k, i) => {
    nodes.push({ id: `sink_${i}`, lines: [sinkLabel(k)], kind: "sink" });
    edges.push({ from: `step_${k.step}`, to: `sink_${i}`, feedback: false });
  });
  return { nodes, edges };
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, " ")}"`;
}

export function toDot(ir: FlowIR): string {
  const { nodes, edges } = graphModel(ir);
  const out = [
    `digraph ${dotString(ir.flow)} {`,
    "  rankdir=TB;",
    '  node [shape=box, style="rounded", fontname="Helvetica"];',
    '  edge [fontname="Helvetica"];',
  ];
  for (const n of nodes) {
    const label = n.lines.map((l) => dotString(l).slice(1, -1)).join("\\n");
    const attrs = n.kind === "sink" ? ", shape=note" : n.kind === "held" ? ', style="rounded,bold"' : "";
    out.push(`  ${n.id} [label="${label}"${attrs}];`);
  }
  for (const e of edges) {
    const attrs = e.feedback ? ` [style=dashed, constraint=false, label=${dotString(e.label ?? "")}]` : "";
    out.push(`  ${e.from} -> ${e.to}${attrs};`);
  }
  out.push("}");
  return out.join("\n") + "\n";
}

function mermaidText(s: string): string {
  return s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;").replace(/\|/g, "#124;");
}

export function toMermaid(ir: FlowIR): string {
  const { nodes, edges } = graphModel(ir);
  const out = ["flowchart TB"];
  for (const n of nodes) {
    const label = n.lines.map(mermaidText).join("<br/>");
    out.push(n.kind === "sink" ? `  ${n.id}[/"${label}"/]` : n.kind === "held" ? `  ${n.id}[["${label}"]]` : `  ${n.id}["${label}"]`);
  }
  for (const e of edges) {
    out.push(e.feedback ? `  ${e.from} -. "${mermaidText(e.label ?? "")}" .-> ${e.to}` : `  ${e.from} --> ${e.to}`);
  }
  return out.join("\n") + "\n";
}

export function toGraph(ir: FlowIR, format: GraphFormat): string {
  return format === "dot" ? toDot(ir) : toMermaid(ir);
}
