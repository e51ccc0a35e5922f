/** Helpers for the worker tests: run the qb bin, start a worker on a temporary socket. */
import { execFile } from "node:child_process";
import { spawnSync } from "node:child_process";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WorkerClient } from "../../src/client/index.js";
import { WorkerProcess } from "../../src/process/worker-process.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const QB = join(ROOT, "bin/qb.js");
export const PYTHON = "/usr/bin/python3";

/** Debian's python with grpc, numpy and xxhash (the python3 first on PATH may be another build). */
export const pythonReady: boolean = spawnSync(PYTHON, ["-c", "import grpc, numpy, xxhash"], { stdio: "ignore" }).status === 0;

/** A CI run: `CI` set to `true` or `1`, as GitHub Actions, GitLab CI and most others do. */
export const inCi: boolean = /^(true|1)$/i.test(process.env.CI ?? "");

/**
 * What a suite does when a tool it needs is missing. Outside CI: one loud SKIPPED line
 * (the caller then skips). Under CI (`inCi`): it throws, naming the tool, so the suite
 * fails instead of skipping: `.ci/run` installs every tool the tests use, and a CI run
 * that skipped them would be green without having run them. `remedy` is what .ci/run
 * does about it ("install graphviz"). Call it where the suite is collected (a `describe`
 * body or the file's top level), or in the test that would skip.
 */
export function skipForWant(tool: string, what: string, remedy: string): void {
  if (inCi) throw new Error(`CI refuses to skip ${what}: ${tool} is missing, and .ci/run is meant to ${remedy} (CI=true; see docs/testing.md)`);
  console.warn(`\n*** SKIPPED: ${what}: ${tool} is missing; ${remedy} (.ci/run does) to run it. ***\n`);
}

export function warnPythonSkipped(what: string): void {
  if (!pythonReady) skipForWant(`${PYTHON} with grpc, numpy and xxhash`, what, "install Debian's python3-grpcio, python3-numpy and python3-xxhash");
}

let dot: boolean | undefined;
/** Whether Graphviz's `dot` runs. */
export function dotReady(): boolean {
  return (dot ??= spawnSync("dot", ["-V"], { stdio: "ignore" }).status === 0);
}

export function warnDotSkipped(what: string): void {
  if (!dotReady()) skipForWant("Graphviz (`dot`)", what, "install graphviz");
}

export interface QbResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runQb(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<QbResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [QB, ...args],
      { cwd: ROOT, env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 99) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface RunningWorker {
  client: WorkerClient;
  proc: WorkerProcess;
  address: string;
  land: string;
  stop(): Promise<void>;
}

/** Starts a worker command on a unix socket in a temporary folder, with a land. */
export async function startWorker(command: string, env: Record<string, string> = {}): Promise<RunningWorker> {
  const dir = await mkdtemp(join(tmpdir(), "qbw-test-"));
  const land = join(dir, "land");
  await mkdir(land);
  const proc = new WorkerProcess({
    command,
    cwd: ROOT,
    env: { ...process.env, QB_LISTEN: `unix:${join(dir, "w.sock")}`, QB_LAND: land, ...env },
  });
  const address = await proc.waitForAnnouncement(20_000);
  if (address === null) {
    await proc.stop(1_000);
    throw new Error(`worker ${command} did not start:\n${proc.tail.join("\n")}`);
  }
  const client = new WorkerClient(address);
  return {
    client,
    proc,
    address,
    land,
    async stop() {
      client.close();
      await proc.stop(3_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
