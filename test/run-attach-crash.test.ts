/**
 * Workers that are already running (`at "host:port"`), a replica that crashes without
 * retries (its log is shown), and the library API.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { compile } from "../src/dsl/compile.js";
import { runFlow } from "../src/run/run-flow.js";
import { ROOT } from "./support/examples.js";
import { expectNoSpawnedWorkers, groupMembers, pidsOf, startQb } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-attach-"));

describe("attached workers", () => {
  it("runs calls on a worker started elsewhere, and leaves it running", async () => {
    const worker = spawn(process.execPath, [join(ROOT, "examples/workers/montecarlo.js")], {
      env: { ...process.env, QB_LISTEN: "127.0.0.1:0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        createInterface({ input: worker.stdout! }).on("line", (l) => l.startsWith("QB_LISTENING ") && resolve(l.slice(13).trim()));
        worker.on("exit", (c) => reject(new Error(`worker exited ${c}`)));
      });
      const flow = join(dir, "attached.flow");
      writeFileSync(flow, `flow attached() {\n  worker mc { at "${address}" }\n  s = range(4) | mc.sample(n: 1000, seed: item) | reduce mc.add\n  emit s\n}\n`);
      const run = startQb(["run", "--json", flow]);
      const { code } = await run.exit;
      expect(run.stderr).toBe("");
      expect(code).toBe(0);
      const result = run.events.find((e) => e.type === "result") as { result: { s: Array<{ n: number }> } };
      expect(result.result.s[0]!.n).toBe(4000);
      expectNoSpawnedWorkers(run);
      expect(worker.exitCode).toBeNull();
    } finally {
      worker.kill("SIGTERM");
    }
  });
});

describe("a replica that crashes", () => {
  it("fails the run without retries and shows the last lines of its log", async () => {
    const flow = join(dir, "crash.flow");
    writeFileSync(flow, `flow crash() {\n  worker chaos { run "node ${ROOT}/test/workers/chaos.js" }\n  s = [{id: 1}] | chaos.crash\n  emit s\n}\n`);
    const run = startQb(["run", "--json", flow]);
    const { code } = await run.exit;
    expect(code).toBe(1);
    expect(run.stderr).toContain("step `s`: chaos.crash");
    expect(run.stderr).toContain("replica 0 of worker `chaos` died (exit code 3)");
    expect(run.stderr).toContain("chaos: crashing on purpose in call 1");
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  });
});

describe("a replica that crashes on every attempt", () => {
  it("shows the log lines of the last process only, not those of the replicas it replaced", async () => {
    const flow = join(dir, "crash-retry.flow");
    writeFileSync(
      flow,
      `flow crashretry() {\n  worker chaos { run "node ${ROOT}/test/workers/chaos.js" }\n  s = [{id: 1}] | chaos.crash retry 2 backoff 10ms\n  emit s\n}\n`,
    );
    const run = startQb(["run", "--json", flow]);
    const { code } = await run.exit;
    expect(code).toBe(1);
    expect(run.stderr).toContain("attempt 3/3");
    // three processes crashed into the same log file; the error quotes the last one
    expect(run.stderr.split("chaos: crashing on purpose in call 1").length - 1).toBe(1);
    expect(await groupMembers(pidsOf(run))).toEqual([]);
  });
});

describe("a worker that dies while starting", () => {
  it("fails the run with its exit and its log, and is not restarted", async () => {
    const flow = join(dir, "no-start.flow");
    writeFileSync(flow, `flow nostart() {\n  worker w { run "echo broken config >&2; exit 7" }\n  s = [1] | w.go\n  emit s\n}\n`);
    const run = startQb(["run", "--json", flow]);
    const { code } = await run.exit;
    expect(code).toBe(1);
    expect(run.stderr).toContain("worker `w` replica 0: exited before it was ready (exit code 7)");
    expect(run.stderr).toContain("broken config");
    expect(run.events.some((e) => e.type === "log" && String(e.message).includes("restarted"))).toBe(false);
    expect(run.events.some((e) => e.type === "call.started")).toBe(false);
  });
});

describe("library API", () => {
  it("runFlow returns the result and saves it in the run directory", async () => {
    const { ir } = compile(readFileSync(join(ROOT, "examples/pi.flow"), "utf8"), { params: { samples: "40000", shards: "4" } });
    const outcome = await runFlow(ir!, { cwd: ROOT, runDir: join(dir, "run") });
    expect(Math.abs((outcome.result.pi![0] as number) - Math.PI)).toBeLessThan(0.1);
    expect(JSON.parse(readFileSync(join(dir, "run", "result.json"), "utf8"))).toEqual(outcome.result);
    expect(existsSync(join(dir, "run", "logs", "mc-0.log"))).toBe(true);
    expect(readFileSync(join(dir, "run", "events.ndjson"), "utf8")).toContain('"type":"run.finished"');
    expect(outcome.stats.find((s) => s.step === "hits")).toMatchObject({ callsDone: 4, state: "done" });
  });
});

describe("land references", () => {
  it("pass between workers through channels and are read back by reference", async () => {
    const flow = join(dir, "land.flow");
    writeFileSync(
      flow,
      `flow land() {\n  worker chaos { run "node ${ROOT}/test/workers/chaos.js" replicas 2 }\n  refs = [1, 2, 3] | chaos.makeArray(n: 100000, seed: item)\n  sums = refs | chaos.sumArray ordered\n  emit refs, sums\n}\n`,
    );
    const run = startQb(["run", "--json", flow]);
    const { code } = await run.exit;
    expect(run.stderr).toBe("");
    expect(code).toBe(0);
    const result = (
      run.events.find((e) => e.type === "result") as {
        result: { refs: Array<{ $land: { path: string; size: number; mediaType: string } }>; sums: Array<{ n: number; sum: number }> };
      }
    ).result;
    expect(result.refs.map((r) => r.$land.size)).toEqual([800000, 800000, 800000]);
    expect(result.refs[0]!.$land.mediaType).toBe("application/x-float64-le");
    const expectedSum = (seed: number): number => Array.from({ length: 100000 }, (_, i) => (i * 7 + seed) % 13).reduce((a, b) => a + b, 0);
    expect(result.sums.map((s) => s.sum).sort((a, b) => a - b)).toEqual([1, 2, 3].map(expectedSum).sort((a, b) => a - b));
  });
});
