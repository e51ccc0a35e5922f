/**
 * The pi and digest scenarios of ../shared/acceptance/README.md, end to end: `qb run`
 * as a process, real worker processes, results checked against independent values.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ACCEPTANCE, ROOT } from "./support/examples.js";
import { alive, groupMembers, pidsOf, startQb } from "./support/qb-process.js";

async function runJson(
  args: string[],
): Promise<{ code: number | null; result?: Record<string, unknown[]>; events: Array<Record<string, unknown>>; stderr: string; pids: number[] }> {
  const run = startQb(["run", "--json", ...args]);
  const { code } = await run.exit;
  const last = run.events.find((e) => e.type === "result") as { result: Record<string, unknown[]> } | undefined;
  return {
    code,
    ...(last ? { result: last.result } : {}),
    events: run.events,
    stderr: run.stderr,
    // read when a test asks: pidsOf throws for a run that spawned no worker
    get pids() {
      return pidsOf(run);
    },
  };
}

describe("pi", () => {
  it("estimates pi within 0.01, the same on every run, and leaves no process", async () => {
    const a = await runJson(["examples/pi.flow"]);
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    const pi = a.result!.pi![0] as number;
    expect(Math.abs(pi - Math.PI)).toBeLessThan(0.01);
    const b = await runJson(["examples/pi.flow"]);
    expect(b.result!.pi![0]).toBe(pi);
    expect(a.pids.length).toBe(2);
    expect(await groupMembers([...a.pids, ...b.pids])).toEqual([]);
  });

  it("takes --param overrides", async () => {
    const r = await runJson(["examples/pi.flow", "--param", "samples=100000", "--param", "shards=4"]);
    expect(r.code).toBe(0);
    expect(Math.abs((r.result!.pi![0] as number) - Math.PI)).toBeLessThan(0.05);
    expect(r.events.filter((e) => e.type === "call.finished" && e.step === "hits")).toHaveLength(4);
  });

  it("reports the workers spawned (pod.launched) before they are up (pod.started), with the same pids", async () => {
    const r = await runJson(["examples/pi.flow", "--param", "samples=16000"]);
    expect(r.code).toBe(0);
    const types = r.events.map((e) => e.type);
    const launched = r.events.find((e) => e.type === "pod.launched") as { replicas: Array<{ pid: number }>; time: number } | undefined;
    const started = r.events.find((e) => e.type === "pod.started") as { replicas: Array<{ pid: number }>; time: number } | undefined;
    expect(types.indexOf("pod.launched")).toBe(0);
    expect(types.indexOf("pod.started")).toBeGreaterThan(0);
    expect(launched!.replicas.map((x) => x.pid)).toEqual(started!.replicas.map((x) => x.pid));
    expect(launched!.time).toBeLessThanOrEqual(started!.time);
  });
});

describe("digest", () => {
  it("equals the md5 of every file computed by md5sum", async () => {
    const r = await runJson(["examples/digest.flow", "--param", `root=${join(ACCEPTANCE, "digest", "tree")}`]);
    expect(r.code).toBe(0);
    const expected = JSON.parse(readFileSync(join(ACCEPTANCE, "expected", "digest.json"), "utf8")) as Record<string, string>;
    expect(r.result!.table![0]).toEqual(expected);
  });

  const unreadableTree = (): { dir: string; bad: string } => {
    const dir = mkdtempSync(join(tmpdir(), "qb-digest-"));
    cpSync(join(ACCEPTANCE, "digest", "tree"), dir, { recursive: true });
    const bad = "a0/unreadable file.bin";
    if (process.getuid?.() === 0) {
      // root reads any file; reading /proc/self/mem at offset 0 fails with EIO for anyone
      symlinkSync("/proc/self/mem", join(dir, bad));
    } else {
      writeFileSync(join(dir, bad), "secret");
      chmodSync(join(dir, bad), 0o000);
    }
    return { dir, bad };
  };

  it("fails the run on an unreadable file, naming it", async () => {
    const { dir, bad } = unreadableTree();
    try {
      const r = await runJson(["examples/digest.flow", "--param", `root=${dir}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("qb: run failed: step `digests`: md5.file");
      expect(r.stderr).toContain(bad);
      expect(await groupMembers(r.pids)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with `on error skip` reports the unreadable file and finishes", async () => {
    const { dir, bad } = unreadableTree();
    const flow = join(dir, "..", `${dir.split("/").pop()}-skip.flow`);
    writeFileSync(
      flow,
      readFileSync(join(ROOT, "examples/digest.flow"), "utf8")
        .replace("timeout 5m", "timeout 5m on error skip")
        .replace('"node examples/', `"node ${ROOT}/examples/`),
    );
    try {
      const r = await runJson([flow, "--param", `root=${dir}`]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const skipped = r.events.filter((e) => e.type === "call.failed" && e.skipped === true);
      expect(skipped).toHaveLength(1);
      expect(String(skipped[0]!.error)).toContain(bad);
      const expected = JSON.parse(readFileSync(join(ACCEPTANCE, "expected", "digest.json"), "utf8")) as Record<string, string>;
      expect(r.result!.table![0]).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(flow, { force: true });
    }
  });
});

describe("worker check before the first call", () => {
  it("reports a method the worker does not serve at the flow's line and column, and runs nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qb-mismatch-"));
    const flow = join(dir, "bad.flow");
    writeFileSync(
      flow,
      `flow bad() {\n  worker mc { run "node ${ROOT}/examples/workers/montecarlo.js" }\n  s = range(2) | mc.sampel(n: 10, seed: item)\n  t = s | mc.add hold\n  emit t\n}\n`,
    );
    const r = await runJson([flow]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${flow}:3:18: error QB5001: worker \`mc\` has no method \`sampel\``);
    expect(r.stderr).toContain("= help: did you mean `sample`?");
    expect(r.stderr).toContain(`${flow}:4:11: error QB5002: \`mc.add\` is not a held method, but the flow says \`hold\``);
    expect(r.events.some((e) => e.type === "call.started")).toBe(false);
    expect(r.pids.every((p) => !alive(p))).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("polyglot", () => {
  const python = "/usr/bin/python3";
  const hasPython = (() => {
    try {
      execFileSync(python, ["-c", "import grpc, numpy"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  if (!hasPython) console.warn("\n*** SKIPPED: Debian's python3-grpcio/python3-numpy are missing; the polyglot scenario did not run ***\n");

  it.skipIf(!hasPython)("pi with the worker written in Python gives the same number as the TypeScript one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qb-polyglot-"));
    const text = readFileSync(join(ROOT, "examples/pi.flow"), "utf8");
    const py = join(dir, "pi-py.flow");
    // a worker without Describe or Session (the Python one serves Invoke and health only)
    writeFileSync(py, text.replace('run "node examples/workers/montecarlo.js"', `run "${python} ${ROOT}/examples/workers/python/montecarlo.py"`));
    const ts = join(dir, "pi-ts.flow");
    // a command with VAR=value words before it
    writeFileSync(ts, text.replace('run "node examples/workers/montecarlo.js"', `run "QB_EXAMPLE=1 node ${ROOT}/examples/workers/montecarlo.js"`));
    const a = await runJson([py, "--param", "samples=2000000"]);
    const b = await runJson([ts, "--param", "samples=2000000"]);
    expect(a.stderr).toBe("");
    expect(b.stderr).toBe("");
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.result!.pi![0]).toBe(b.result!.pi![0]);
    expect(Math.abs((a.result!.pi![0] as number) - Math.PI)).toBeLessThan(0.01);
    expect(await groupMembers([...a.pids, ...b.pids])).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
