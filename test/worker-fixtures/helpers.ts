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

/** Debian's python with grpc and numpy (the python3 first on PATH may be another build). */
export const pythonReady: boolean = spawnSync(PYTHON, ["-c", "import grpc, numpy"], { stdio: "ignore" }).status === 0;

export function warnPythonSkipped(what: string): void {
  if (!pythonReady) {
    console.warn(
      `\n*** SKIPPED: ${what}: ${PYTHON} cannot import grpc and numpy. ` +
        "Install Debian's python3-grpcio and python3-numpy (.ci/run does) to run the Python worker tests. ***\n",
    );
  }
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
