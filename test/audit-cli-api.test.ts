/** The library API as docs/runtime.md shows it: `compile(source)`, then `run(ir, options)`. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, run, type RunEvent } from "../src/index.js";
import { ROOT } from "./support/examples.js";

const dir = mkdtempSync(join(tmpdir(), "qb-audit-api-"));

describe("run(ir, options)", () => {
  it("returns the run's events at once and its result when it ends, saved in the run directory", async () => {
    const { ir, diagnostics } = compile(readFileSync(join(ROOT, "examples/pi.flow"), "utf8"), { file: "pi.flow", params: { samples: "40000", shards: "4" } });
    expect(diagnostics).toEqual([]);
    const handle = run(ir!, { cwd: ROOT, runDir: join(dir, "pi") });
    const types: string[] = [];
    handle.events.on("event", (e: RunEvent) => types.push(e.type));
    const { result, runDir } = await handle.outcome;
    expect(Math.abs((result.pi![0] as number) - Math.PI)).toBeLessThan(0.1);
    expect(JSON.parse(readFileSync(join(runDir, "result.json"), "utf8"))).toEqual(result);
    expect(types[0]).toBe("pod.launched");
    expect(types).toContain("run.started");
    expect(types.at(-1)).toBe("run.finished");
  });

  it("says what is wrong when given no IR (a flow with mistakes) or something else, before starting anything", () => {
    const { ir } = compile("flow broken( {");
    expect(() => run(ir!)).toThrow(/run\(ir\): no IR: compile\(\) reports the flow's mistakes in `diagnostics`/);
    expect(() => run({ steps: 3 } as never)).toThrow(/run\(ir\): not a compiled flow: /);
  });
});
