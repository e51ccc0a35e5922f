/** `qb graph --format dot` must be accepted by Graphviz for every example. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/dsl/compile.js";
import { toDot } from "../src/dsl/graph.js";
import { exampleFlows } from "./support/examples.js";

const hasDot = spawnSync("dot", ["-V"]).status === 0;
if (!hasDot) console.warn("\n*** SKIPPED: Graphviz `dot` is not installed (apt-get install graphviz); dot output is not validated ***\n");

describe.skipIf(!hasDot)("graphviz accepts qb graph output", () => {
  it.each(exampleFlows())("%s", (_, text) => {
    const ir = compile(text).ir!;
    const r = spawnSync("dot", ["-Tsvg"], { input: toDot(ir), encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("<svg");
    for (const step of ir.steps) expect(r.stdout).toContain(`<title>step_${step.name}</title>`);
  });
});
