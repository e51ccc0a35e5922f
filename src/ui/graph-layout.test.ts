/** The graph the page draws is `qb graph`'s: every node and edge, placed by dagre inside the drawing. */
import { describe, expect, it } from "vitest";
import { graphModel } from "../dsl/graph.js";
import { layoutGraph } from "./graph-layout.js";
import { HELD_FLOW, irOf } from "../../test/support/ui-runs.js";

describe("layoutGraph", () => {
  const ir = irOf(HELD_FLOW);
  const layout = layoutGraph(ir);
  const model = graphModel(ir);

  it("has every node and edge of qb graph, the signal dashed (feedback)", () => {
    expect(layout.nodes.map((n) => n.id).sort()).toEqual(model.nodes.map((n) => n.id).sort());
    expect(layout.edges.map((e) => `${e.from}->${e.to}:${e.feedback}`).sort()).toEqual(model.edges.map((e) => `${e.from}->${e.to}:${e.feedback}`).sort());
    expect(layout.edges.filter((e) => e.feedback)).toEqual([expect.objectContaining({ from: "step_go", to: "step_h", label: "go" })]);
    expect(layout.nodes.find((n) => n.id === "step_h")).toMatchObject({ kind: "held", step: "h" });
  });

  it("places nodes without overlap inside the drawing, and routes each edge from its source's box to its target's", () => {
    for (const n of layout.nodes) {
      expect(n.x - n.width / 2).toBeGreaterThanOrEqual(0);
      expect(n.y - n.height / 2).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width / 2).toBeLessThanOrEqual(layout.width);
      expect(n.y + n.height / 2).toBeLessThanOrEqual(layout.height);
    }
    for (const a of layout.nodes)
      for (const b of layout.nodes) {
        if (a === b) continue;
        const apart = Math.abs(a.x - b.x) >= (a.width + b.width) / 2 || Math.abs(a.y - b.y) >= (a.height + b.height) / 2;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    const near = (p: { x: number; y: number }, id: string): boolean => {
      const n = layout.nodes.find((x) => x.id === id)!;
      return Math.abs(p.x - n.x) <= n.width / 2 + 1 && Math.abs(p.y - n.y) <= n.height / 2 + 1;
    };
    for (const e of layout.edges) {
      expect(e.points.length).toBeGreaterThanOrEqual(2);
      expect(near(e.points[0]!, e.from), `${e.from}->${e.to} starts at its source`).toBe(true);
      expect(near(e.points.at(-1)!, e.to), `${e.from}->${e.to} ends at its target`).toBe(true);
      for (const p of e.points) expect(p.x).toBeGreaterThanOrEqual(0);
    }
  });

  it("leaves room for the counters under each step's label, and a line more for a held step's round", () => {
    const h = layout.nodes.find((n) => n.id === "step_h")!;
    const start = layout.nodes.find((n) => n.id === "step_start")!;
    expect(h.height).toBeGreaterThanOrEqual((h.lines.length + 2) * 16);
    expect(start.height).toBeGreaterThanOrEqual((start.lines.length + 1) * 16);
  });
});
