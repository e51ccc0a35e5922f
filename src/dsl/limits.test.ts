import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { MAX_DIAGNOSTICS } from "./limits.js";

describe("the compiler's work is bounded", () => {
  it("stops reading a garbled file after MAX_DIAGNOSTICS mistakes", () => {
    const chars = "éàü漢字😀 ab=|(){}";
    let text = "";
    for (let i = 0; i < 2_000_000; i++) text += chars[(i * 7919) % chars.length];
    const t0 = Date.now();
    const r = compile(text);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(r.diagnostics.length).toBeLessThanOrEqual(MAX_DIAGNOSTICS + 2);
    expect(r.diagnostics.some((d) => d.message.startsWith(`too many mistakes (${MAX_DIAGNOSTICS})`))).toBe(true);
  });

  it("suggests names for the first unknown names only: thousands of them stay fast", () => {
    let text = "flow f() {\n";
    for (let i = 0; i < 4_000; i++) text += `  s${i} = t${i} | w.f(x: q${i})\n`;
    text += "}\n";
    const t0 = Date.now();
    const r = compile(text);
    expect(Date.now() - t0).toBeLessThan(5_000);
    const unknownSteps = r.diagnostics.filter((d) => d.code === "QB2001" && d.message.startsWith("unknown step"));
    expect(unknownSteps).toHaveLength(4_000);
    expect(unknownSteps.filter((d) => d.help?.startsWith("did you mean")).length).toBeLessThanOrEqual(100);
    expect(unknownSteps[0]!.help).toMatch(/did you mean/);
  });
});
