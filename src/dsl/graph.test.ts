import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { toDot, toMermaid } from "./graph.js";

const km = compile(`flow k() {
  worker km { run "x" }
  shards = range(2)
  sums = shards | km.assign hold
  centroids = sums | gather by round | km.recenter
  sums <- centroids as "centroids"
  into land("out/c.jsonl") centroids
  emit centroids
}`).ir!;

describe("graph", () => {
  it("draws steps as nodes, channels as edges and signals dashed", () => {
    const dot = toDot(km);
    expect(dot).toContain("step_shards -> step_sums;");
    expect(dot).toContain("step_sums -> step_centroids;");
    expect(dot).toContain('step_centroids -> step_sums [style=dashed, constraint=false, label="centroids"];');
    expect(dot).toMatch(/sink_0 \[label="land out\/c.jsonl", shape=note\]/);
    expect(dot.match(/->/g)!.length).toBe(5);
  });

  it("draws the same in mermaid", () => {
    const m = toMermaid(km);
    expect(m.startsWith("flowchart TB\n")).toBe(true);
    expect(m).toContain("step_shards --> step_sums");
    expect(m).toContain('step_centroids -. "centroids" .-> step_sums');
    expect(m).toContain('step_sums[["sums<br/>km.assign (hold)"]]');
  });

  it("escapes quotes and backslashes in labels", () => {
    const ir = compile('flow q() {\n  worker w { run "x" }\n  s = pond("SELECT \\"a\\\\b\\" FROM t") | w.f\n  emit s\n}').ir!;
    expect(toDot(ir)).toContain('pond: SELECT \\"a\\\\b\\" FROM t');
    expect(toMermaid(ir)).toContain("SELECT #quot;a\\b#quot; FROM t");
  });
});
