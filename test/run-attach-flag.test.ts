/**
 * `qb run --attach W=ADDR,... --callback-socket PATH`: the quarterback of a Kubernetes pod
 * (`qb k8s`) runs the flow on workers started beside it, which were told the callback
 * address and the land in advance, as the pod's containers are.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { expectNoSpawnedWorkers, startQb } from "./support/qb-process.js";
import { runQb } from "./worker-fixtures/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "qb-attach-flag-"));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const w of started) w.kill("SIGTERM");
});

/** A worker started by hand, as a sidecar container is: it listens on a port it is given. */
function startWorker(script: string, env: Record<string, string>): Promise<string> {
  const worker = spawn(process.execPath, [join(ROOT, script)], {
    env: { ...process.env, QB_LISTEN: "127.0.0.1:0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  started.push(worker);
  return new Promise<string>((resolve, reject) => {
    createInterface({ input: worker.stdout! }).on("line", (l) => l.startsWith("QB_LISTENING ") && resolve(l.slice(13).trim()));
    worker.on("exit", (c) => reject(new Error(`worker ${script} exited ${c}`)));
  });
}

describe("qb run --attach --callback-socket", () => {
  it("runs on workers started elsewhere that share its land and reach its callback socket", async () => {
    const runDir = join(dir, "run");
    const socket = join(dir, "sockets", "quarterback.sock");
    const env = { QB_LAND: join(runDir, "land"), QB_CALLBACK: `unix:${socket}` };
    // as the pod's `land` init container does: the land is there before the workers start
    mkdirSync(env.QB_LAND, { recursive: true });
    const [writer, reader, probe] = await Promise.all([
      startWorker("test/workers/land-probe.js", env),
      startWorker("test/workers/land-probe.js", env),
      startWorker("test/workers/probe.js", env),
    ]);
    const flow = join(dir, "cross.flow");
    writeFileSync(
      flow,
      `flow cross() {\n  worker writer { run "exit 1" }\n  worker reader { run "exit 1" }\n` +
        `  refs = [{path: "out/a.txt", text: "from the writer"}] | writer.make\n  back = refs | reader.what\n  emit back\n}\n`,
    );
    // `run "exit 1"` would fail: the workers are attached instead
    const run = startQb([
      "run",
      "--json",
      flow,
      "--attach",
      `writer=${writer}`,
      "--attach",
      `reader=${reader}`,
      "--callback-socket",
      socket,
      "--run-dir",
      runDir,
    ]);
    const { code } = await run.exit;
    expect(run.stderr).toBe("");
    expect(code).toBe(0);
    const result = run.events.find((e) => e.type === "result") as { result: { back: unknown[] } };
    // a land reference written by one worker, read by another through the shared land
    expect(result.result.back).toEqual([{ ref: true, path: "out/a.txt", text: "from the writer" }]);
    expectNoSpawnedWorkers(run);

    // the callback socket was the one given: a fatal report through it cancels the run
    const fatalFlow = join(dir, "fatal.flow");
    writeFileSync(fatalFlow, `flow fatal() {\n  worker probe { run "exit 1" }\n  xs = [{id: 7}] | probe.fatal\n  emit xs\n}\n`);
    const fatal = startQb(["run", "--json", fatalFlow, "--attach", `probe=${probe}`, "--callback-socket", socket, "--run-dir", join(dir, "run2")]);
    expect((await fatal.exit).code).toBe(1);
    expect(fatal.stderr).toContain("fatal from call 7");
  });

  it.each([
    [["--attach", "nope=127.0.0.1:9"], "--attach nope=127.0.0.1:9: flow one has no worker nope (its workers: w)"],
    [["--attach", "w=127.0.0.1"], "is not a worker address"],
    [["--callback-socket", "relative.sock"], "--callback-socket relative.sock: give an absolute path"],
    [["--callback-socket", "/" + "s".repeat(120)], "a unix socket's path takes at most 107"],
  ])("refuses %j before anything starts (exit 2)", async (args, message) => {
    const flow = join(dir, "one.flow");
    writeFileSync(flow, `flow one() {\n  worker w { run "exit 1" }\n  xs = [1] | w.m\n  emit xs\n}\n`);
    const run = startQb(["run", flow, ...args]);
    const { code } = await run.exit;
    expect(run.stderr).toContain(message);
    expect(code).toBe(2);
  });
});

describe("qb worker health", () => {
  it("exits 0 for a worker that serves, 1 where nothing answers", async () => {
    const address = await startWorker("examples/workers/montecarlo.js", {});
    const up = await runQb(["worker", "health", address]);
    expect(up.stdout).toBe(`${address}: SERVING\n`);
    expect(up.code).toBe(0);
    // a port nothing listens on: the one the worker had, once it is gone
    started.pop()!.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    const down = await runQb(["worker", "health", address, "--timeout", "500"]);
    expect(down.stderr).toContain(`qb worker health: ${address}: health:`);
    expect(down.code).toBe(1);
  });
});
