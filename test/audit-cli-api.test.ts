/** The library API as docs/runtime.md shows it: `compile(source)`, then `run(ir, options)`. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, run, RunCancelledError, RunDirError, type RunEvent } from "../src/index.js";
import { groupMembers } from "./support/qb-process.js";
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

  it("ends with a RunCancelledError when the caller aborts, whatever the abort's reason, and leaves no process", async () => {
    const { ir } = compile(
      `flow slow() {\n  worker p { run "node ${ROOT}/test/workers/probe.js" }\n  xs = range(4) | p.sleep(ms: 60000, v: item) parallel 4\n  emit xs\n}`,
    );
    const ac = new AbortController();
    const handle = run(ir!, { cwd: ROOT, runDir: join(dir, "aborted"), signal: ac.signal });
    await new Promise<void>((resolve) => handle.events.on("event", (e: RunEvent) => e.type === "run.started" && resolve()));
    const pids = handle.pids();
    ac.abort();
    const err = await handle.outcome.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RunCancelledError);
    expect((err as Error).message).toBe("run cancelled: aborted by the caller");
    expect(await groupMembers(pids)).toEqual([]);
  });

  it("refuses a run directory that holds an earlier run, before starting anything", async () => {
    const { ir } = compile(readFileSync(join(ROOT, "examples/pi.flow"), "utf8"), { params: { samples: 4000, shards: 2 } });
    await run(ir!, { cwd: ROOT, runDir: join(dir, "once") }).outcome;
    expect(() => run(ir!, { cwd: ROOT, runDir: join(dir, "once") })).toThrow(RunDirError);
    expect(() => run(ir!, { cwd: ROOT, runDir: join(dir, "once") })).toThrow(
      /already holds a run \(events\.ndjson, result\.json, run\.json, journal\.ndjson\)/,
    );
  });
});
