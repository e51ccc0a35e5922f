import { describe, expect, it } from "vitest";
import { compile } from "../dsl/compile.js";
import { validateIR } from "./validate.js";

/** A flow whose one call argument is `depth` nested negations of the item. */
function deepFlow(depth: number): string {
  let expr = "item";
  for (let i = 0; i < depth; i++) expr = `-(${expr})`;
  return `flow deep() {\n  worker w { run "w" }\n  s = [1] | w.f(a: ${expr})\n  emit s\n}\n`;
}

describe("validateIR", () => {
  it("checks deeply nested expressions in time linear in their depth", () => {
    const { ir, diagnostics } = compile(deepFlow(40));
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const t0 = performance.now();
    expect(validateIR(ir)).toEqual([]);
    // with a plain oneOf this took 3^depth steps: minutes at depth 20
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it("still names what is wrong in a tagged union", () => {
    const { ir } = compile(deepFlow(2));
    const broken = JSON.parse(JSON.stringify(ir)) as { steps: Array<{ stages: Array<{ kind: string; input?: { entries: Array<[string, unknown]> } }> }> };
    const call = broken.steps[0]!.stages.find((st) => st.kind === "call")!;
    call.input!.entries[0]![1] = { kind: "neg" };
    expect(validateIR(broken).join("\n")).toMatch(/must have required property 'of'/);
    call.input!.entries[0]![1] = { kind: "sqrt", of: { kind: "item" } };
    expect(validateIR(broken).length).toBeGreaterThan(0);
  });
});
