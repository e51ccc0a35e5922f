/** Helpers of the in-process LocalPod tests (src/pod/local-pod*.test.ts): flows over real worker processes, pod options, calls. */
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { FlowIR, Json, WorkerIR } from "../../src/ir/types.js";
import type { LocalPod, PodOptions } from "../../src/pod/local-pod.js";
import { ROOT } from "./examples.js";

export const PROBE = `node ${ROOT}/test/workers/probe.js`;
export const ONE_SLOT = `node ${ROOT}/test/workers/one-slot.js`;
export const NOOP = `node ${ROOT}/bench/workers/noop.js`;
const loc = { line: 1, col: 1, endLine: 1, endCol: 1 };
let n = 0;

/** A fresh number, for names in a test's folder. */
export const fresh = (): number => n++;

/** A flow whose one step calls each of `used`; `workers` are all declared. */
export function flow(workers: Array<Partial<WorkerIR> & { name: string }>, used = workers.map((w) => w.name)): FlowIR {
  const options = { parallel: null, timeoutMs: null, retries: 0, backoffMs: 0, ordered: false, onError: "fail" as const };
  return {
    version: 1,
    flow: "t",
    file: "t.flow",
    params: [],
    workers: workers.map((w) => ({ replicas: 1, env: {}, loc, ...w })),
    steps: [
      {
        name: "s",
        source: { kind: "range", count: 1 },
        stages: used.map((worker) => ({ kind: "call", worker, method: "m", input: null, hold: false, options, loc })),
        held: false,
        loc,
      },
    ],
    signals: [],
    sinks: [],
  };
}

export function podOptions(dir: string, extra: Partial<PodOptions> = {}): PodOptions & { land: string } {
  const k = n++;
  const land = join(dir, `land-${k}`);
  mkdirSync(land);
  return { runDir: join(dir, `run-${k}`), land, cwd: dir, socketDir: join(dir, `s${k}`), startTimeoutMs: 8_000, ...extra };
}

export const call = (
  pod: LocalPod,
  worker: string,
  method: string,
  input: Json,
  extra: { signal?: AbortSignal; placed?: (r: number) => void; step?: string } = {},
) =>
  pod.call({
    worker,
    method,
    input,
    attempt: 1,
    timeoutMs: null,
    signal: extra.signal ?? new AbortController().signal,
    placed: extra.placed,
    step: extra.step,
  });

export const probeLog = (land: string): string[] =>
  existsSync(join(land, "probe.log")) ? readFileSync(join(land, "probe.log"), "utf8").trim().split("\n") : [];

export async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Processes whose command line contains `marker`. */
export function processesWith(marker: string): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, "utf8").includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}
