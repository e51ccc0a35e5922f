/**
 * The runtime's call overhead (issue 4): no-op calls fanned out by the runtime over 2 local
 * replicas, against the bare transport ceiling measured in the same run on the same
 * worker processes.
 *
 *   runtime: the flow `xs = range(n) | w.noop parallel P | last` compiled by src/dsl and run
 *            by `runEngine` on a `LocalPod` (the real pod: 2 replicas of bench/workers/noop.js
 *            on unix sockets, least-loaded dispatch over one Session stream each, batched
 *            frames both ways). Timed from the first call to the end of the run, workers
 *            already up.
 *   unbatched: the same on a second pod told not to batch (`sessionBatches: false`: one
 *            message per gRPC message, the protocol before batched frames), the baseline.
 *   latency: one call at a time (low load), `pod.call` awaited 2,000 times on each pod: the
 *            median and 99th percentile, batched against unbatched (a lone message waits for
 *            the end of its event-loop turn before it goes, which must not cost it); the
 *            best of the rounds, and the median of LATENCY_PAIRS more rounds alternating
 *            the two pods (steadier: the best of three moves by several % either way).
 *   ceiling: a bare grpc-js client keeping P tagged starts in flight over one open Session
 *            stream per replica, to the very same 2 worker processes (the SDK worker), so
 *            the only difference is the runtime.
 *   echo:    the same bare client against 2 bare grpc-js bidi echo servers
 *            (bench/call-overhead/bare-server.ts): the transport alone, no SDK.
 *   runFlow: the same flow through `runFlow` (what `qb run` does: run directory, events,
 *            callback server, a fresh pod), with and without the workers' startup, once,
 *            at 20,000 calls.
 *
 * Sizes 20,000 and 100,000 calls, after 100,000 unmeasured calls each way; runtime, unbatched
 * and ceiling run three times, alternating, and the best run counts (echo runs once). Goals: the runtime at 200,000 calls/s (issue 17),
 * and at least 50% of the ceiling; the median latency at low load no worse than unbatched.
 *
 * On 2 cores the caller and the 2 workers share the CPU, so the CPU each side spends per
 * call (this process, from process.cpuUsage; the workers, from /proc) says where the time
 * goes: what the quarterback spends is taken from the workers. The ratio of total CPU per
 * call (ceiling over runtime) reads less affected by other load than calls/s; and the
 * quarterback's own CPU per call bounds it on its one thread (1e6 / µs calls/s at best).
 * The quarterback's garbage-collection pauses per call (PerformanceObserver `gc` entries)
 * say how much of that CPU the garbage it makes per call costs.
 */
import type { ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { FlowIR } from "../src/ir/types.js";
import type { LocalPod } from "../src/pod/local-pod.js";
import type { SessionInMsg, SessionOutMsg } from "../src/proto/messages.js";
import type { Dispatcher } from "../src/runtime/dispatcher.js";
import { REPO, cpuSeconds, load, log, makeTemp, median, ownCpuSeconds, removeTemp, round, start, stop, waitForLine } from "./workers/harness.js";

// The runtime as `qb run` runs it: dist/, compiled by tsc (`npm run build` first). Through
// tsx, src/ runs ~30% slower here: tsx keeps function names by wrapping every closure made
// at run time, and the engine makes a few per call.
const shipped = <M>(path: string): Promise<M> => import(new URL(`../dist/${path}`, import.meta.url).href) as Promise<M>;
const { compile } = await shipped<typeof import("../src/dsl/compile.js")>("dsl/compile.js");
const { LocalPod: Pod } = await shipped<typeof import("../src/pod/local-pod.js")>("pod/local-pod.js");
const { loadProtos } = await shipped<typeof import("../src/proto/load.js")>("proto/load.js");
const { runFlow } = await shipped<typeof import("../src/run/run-flow.js")>("run/run-flow.js");
const { runEngine } = await shipped<typeof import("../src/runtime/engine.js")>("runtime/engine.js");

const SIZES = [20_000, 100_000];
const PARALLEL = 1024;
const REPLICAS = 2;
// Both sides' hot paths reach V8's optimizing tier only after some 100,000 calls here: after
// 10,000, runs of 20,000 calls measured 126,000-145,000 calls/s, and the same runs after two
// of 100,000, 174,000-207,000 (2026-12-05). A short warm-up measured the JIT, not the runtime.
const WARMUP_CALLS = 100_000;
const ROUNDS = 3;
const RUNFLOW_SIZE = SIZES[0]!;
const LATENCY_CALLS = 2_000;
/** Rounds of one-call-at-a-time latency, the two pods alternating, for a steadier p50 ratio than the best of ROUNDS. */
const LATENCY_PAIRS = 12;
const GOAL_CALLS_PER_S = 200_000;

const FLOW = `flow overhead(n: int = 1000, p: int = ${PARALLEL}) {
  worker w { run "node bench/workers/noop.js" replicas ${REPLICAS} }
  xs = range(n) | w.noop parallel p
  x  = xs | last
  emit x
}`;

function irFor(n: number): FlowIR {
  const { ir, diagnostics } = compile(FLOW, { file: "overhead.flow", params: { n: String(n) } });
  if (!ir) throw new Error(`overhead.flow: ${diagnostics.map((d) => d.message).join("; ")}`);
  return ir;
}

interface RawClient extends grpc.Client {
  Session(): grpc.ClientDuplexStream<SessionInMsg, SessionOutMsg>;
}

/**
 * `total` no-op calls over one Session stream per address, `inFlight` in flight in all
 * (split evenly), each stream topped up as its results come. Returns ms from the first
 * start to the last result.
 */
function ceiling(clients: RawClient[], total: number, inFlight: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const streams = clients.map((c) => c.Session());
    let issued = 0;
    let done = 0;
    const t0 = performance.now();
    const fire = (s: grpc.ClientDuplexStream<SessionInMsg, SessionOutMsg>): void => {
      const i = issued++;
      s.write({ callId: `c${i}`, start: { method: "noop", input: { json: String(i) }, timeoutMs: 0, attempt: 1 } });
    };
    for (const s of streams) {
      s.on("data", (m: SessionOutMsg) => {
        if (m.msg === "error") return reject(new Error(`call ${m.callId}: ${m.error?.message}`));
        if (m.msg !== "result") return;
        done++;
        if (issued < total) fire(s);
        else if (done === total) {
          const ms = performance.now() - t0;
          for (const x of streams) x.end();
          resolve(ms);
        }
      });
      s.on("error", reject);
    }
    const per = Math.ceil(inFlight / streams.length);
    for (const s of streams) for (let k = 0; k < per && issued < total; k++) fire(s);
  });
}

/** Runs the flow on the already started pod; ms from the first call to the end of the run. */
async function runtime(pod: LocalPod, n: number): Promise<number> {
  const ir = irFor(n);
  let first = 0;
  const dispatcher: Dispatcher = {
    call(req) {
      if (first === 0) first = performance.now();
      return pod.call(req);
    },
  };
  const r = await runEngine(ir, { dispatcher, defaultParallel: (w) => pod.defaultParallel(w) });
  const ms = performance.now() - first;
  // unordered: the last result is whichever call finished last
  const x = r.result.x;
  const xs = r.stats.find((s) => s.step === "xs");
  if (x?.length !== 1 || typeof x[0] !== "number" || xs?.callsDone !== n || xs.emitted !== n)
    throw new Error(`runtime run of ${n}: unexpected result ${JSON.stringify(r.result)}, ${JSON.stringify(xs)}`);
  return ms;
}

/** `calls` no-op calls one after another; the median and 99th percentile of their round trips, in µs. */
async function latency(pod: LocalPod, calls: number): Promise<{ p50: number; p99: number }> {
  const signal = new AbortController().signal;
  const us: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await pod.call({ worker: "w", method: "noop", input: i, attempt: 1, timeoutMs: null, signal });
    us.push((performance.now() - t) * 1000);
  }
  us.sort((a, b) => a - b);
  return { p50: us[Math.floor(calls / 2)]!, p99: us[Math.floor(calls * 0.99)]! };
}

async function startEcho(socket: string): Promise<{ child: ChildProcess; address: string }> {
  const child = start(process.execPath, ["--import", "tsx", "bench/call-overhead/bare-server.ts"], {
    env: { ...process.env, QB_LISTEN: `unix:${socket}` },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await waitForLine(child, (l) => l.startsWith("QB_LISTENING "));
  return { child, address: line.slice("QB_LISTENING ".length).trim() };
}

function clientsFor(addresses: string[]): RawClient[] {
  const { WorkerClient } = loadProtos();
  // a channel option of its own keeps grpc-js from sharing the pod's connections
  return addresses.map(
    (a) =>
      new WorkerClient(a, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": 64 * 1024 * 1024,
        "bench.ceiling": 1,
      }) as unknown as RawClient,
  );
}

const rate = (n: number, ms: number): number => round((n * 1000) / ms);

interface Measured {
  ms: number;
  /** CPU µs per call in this process (the quarterback, or the bare client). */
  callerUs: number;
  /** CPU µs per call in the worker processes, all replicas together. */
  workersUs: number;
  /** This process's garbage-collection pauses, µs per call (what V8 reports as `gc` entries). */
  gcUs: number;
}

// every pause of this process's garbage collector while the benchmark runs, summed
// (observed from its start; entries arrive a tick after the pause)
let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
const gcTotalMs = async (): Promise<number> => {
  await new Promise((r) => setImmediate(r));
  return gcMs;
};

/**
 * Times `run` and the CPU it costs per call, here and in the workers: on 2 cores shared by
 * the caller and 2 workers, CPU spent by the caller is CPU the workers do not get.
 */
async function measure(n: number, workerPids: number[], run: () => Promise<number>): Promise<Measured> {
  const workers = (): number => workerPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const gc0 = await gcTotalMs();
  const own0 = ownCpuSeconds();
  const w0 = workers();
  const ms = await run();
  const callerUs = ((ownCpuSeconds() - own0) * 1e6) / n;
  const workersUs = ((workers() - w0) * 1e6) / n;
  return { ms, callerUs, workersUs, gcUs: (((await gcTotalMs()) - gc0) * 1000) / n };
}

export default async function overhead(): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  const loadBefore = load();
  const dir = makeTemp("overhead");
  const echo: Array<{ child: ChildProcess; address: string }> = [];
  let pod: LocalPod | undefined;
  let unbatched: LocalPod | undefined;
  let podClients: RawClient[] = [];
  let echoClients: RawClient[] = [];
  const best = new Map<string, Measured>();
  const keep = (key: string, m: Measured): void => {
    const b = best.get(key);
    if (!b || m.ms < b.ms) best.set(key, m);
  };
  const realPath: Record<string, unknown> = {};
  gcObserver.observe({ entryTypes: ["gc"] });
  try {
    const tPod = performance.now();
    pod = await Pod.start(irFor(1), { runDir: join(dir, "run"), land: join(dir, "run", "land"), cwd: REPO, socketDir: join(dir, "s") });
    const podStartMs = performance.now() - tPod;
    unbatched = await Pod.start(irFor(1), {
      runDir: join(dir, "run-u"),
      land: join(dir, "run-u", "land"),
      cwd: REPO,
      socketDir: join(dir, "u"),
      sessionBatches: false,
    });
    for (let i = 0; i < REPLICAS; i++) echo.push(await startEcho(join(dir, `echo-${i}.sock`)));
    podClients = clientsFor(pod.replicaInfo().map((r) => r.address));
    echoClients = clientsFor(echo.map((e) => e.address));

    // warm up both sides (JIT in this process and in the workers)
    await runtime(pod, WARMUP_CALLS);
    await runtime(unbatched, WARMUP_CALLS);
    await ceiling(podClients, WARMUP_CALLS, PARALLEL);
    await ceiling(echoClients, WARMUP_CALLS, PARALLEL);

    const podPids = pod.pids();
    const unbatchedPids = unbatched.pids();
    const lat = { batched: [] as Array<{ p50: number; p99: number }>, unbatched: [] as Array<{ p50: number; p99: number }> };
    const echoPids = echo.map((e) => e.child.pid!);
    for (let round_ = 1; round_ <= ROUNDS; round_++) {
      for (const n of SIZES) {
        keep(`ceiling_${n}`, await measure(n, podPids, () => ceiling(podClients, n, PARALLEL)));
        keep(`runtime_${n}`, await measure(n, podPids, () => runtime(pod!, n)));
        keep(`unbatched_${n}`, await measure(n, unbatchedPids, () => runtime(unbatched!, n)));
        // the echo baseline only reads against the machine: once is enough
        if (round_ === 1) keep(`echo_${n}`, await measure(n, echoPids, () => ceiling(echoClients, n, PARALLEL)));
      }
      lat.unbatched.push(await latency(unbatched, LATENCY_CALLS));
      lat.batched.push(await latency(pod, LATENCY_CALLS));
      log(
        "overhead",
        `round ${round_}/${ROUNDS}: ${JSON.stringify(Object.fromEntries([...best].map(([k, m]) => [k, rate(Number(k.split("_")[1]), m.ms)])))} calls/s`,
      );
    }
    // the median over many alternating rounds: the best of ROUNDS moves by several % either way
    const pairs = { batched: [] as number[], unbatched: [] as number[] };
    for (let i = 0; i < LATENCY_PAIRS; i++) {
      pairs.unbatched.push((await latency(unbatched, LATENCY_CALLS)).p50);
      pairs.batched.push((await latency(pod, LATENCY_CALLS)).p50);
    }
    for (const c of [...podClients, ...echoClients]) c.close();
    podClients = echoClients = [];
    await pod.close();
    pod = undefined;
    await unbatched.close();
    unbatched = undefined;

    // the whole path of `qb run`, with a fresh pod: once, at the smaller size (startup and
    // teardown do not depend on it, and the larger one would cost the benchmark ~15 s more)
    for (const n of [RUNFLOW_SIZE]) {
      const runDir = join(dir, `flow-${n}`);
      const w0 = performance.now();
      const outcome = await runFlow(irFor(n), { cwd: REPO, runDir });
      const wallMs = performance.now() - w0;
      if (outcome.stats.find((s) => s.step === "xs")?.callsDone !== n || outcome.result.x?.length !== 1)
        throw new Error(`runFlow of ${n}: unexpected result ${JSON.stringify(outcome.result)}`);
      realPath[`runflow_${n}_calls_per_s`] = rate(n, outcome.elapsedMs);
      realPath[`runflow_${n}_engine_ms`] = round(outcome.elapsedMs, 1);
      realPath[`runflow_${n}_wall_ms`] = round(wallMs, 1);
      realPath[`runflow_${n}_startup_and_teardown_ms`] = round(wallMs - outcome.elapsedMs, 1);
      realPath[`runflow_${n}_calls_per_s_with_startup`] = rate(n, wallMs);
      await rm(runDir, { recursive: true, force: true });
    }

    // the better of the rounds (the lower median), the same on both sides
    const bestLatency = (xs: Array<{ p50: number; p99: number }>) => xs.reduce((a, b) => (b.p50 < a.p50 ? b : a));
    const latB = bestLatency(lat.batched);
    const latU = bestLatency(lat.unbatched);
    const out: Record<string, unknown> = {
      replicas: REPLICAS,
      parallel: PARALLEL,
      pod_start_ms: round(podStartMs, 1),
      latency_calls: LATENCY_CALLS,
      latency_batched_p50_us: round(latB.p50, 1),
      latency_batched_p99_us: round(latB.p99, 1),
      latency_unbatched_p50_us: round(latU.p50, 1),
      latency_unbatched_p99_us: round(latU.p99, 1),
      latency_p50_batched_over_unbatched: round(latB.p50 / latU.p50, 3),
      latency_pairs: LATENCY_PAIRS,
      latency_pairs_median_batched_p50_us: round(median(pairs.batched), 1),
      latency_pairs_median_unbatched_p50_us: round(median(pairs.unbatched), 1),
      latency_pairs_median_p50_batched_over_unbatched: round(median(pairs.batched) / median(pairs.unbatched), 3),
    };
    for (const n of SIZES) {
      const u = best.get(`unbatched_${n}`)!;
      Object.assign(out, {
        [`calls_${n}_unbatched_calls_per_s`]: rate(n, u.ms),
        [`calls_${n}_runtime_over_unbatched`]: round(u.ms / best.get(`runtime_${n}`)!.ms, 3),
        [`calls_${n}_unbatched_quarterback_cpu_us_per_call`]: round(u.callerUs, 1),
        [`calls_${n}_unbatched_workers_cpu_us_per_call`]: round(u.workersUs, 1),
        [`calls_${n}_unbatched_quarterback_gc_us_per_call`]: round(u.gcUs, 2),
      });
    }
    for (const n of SIZES) {
      const r = best.get(`runtime_${n}`)!;
      const c = best.get(`ceiling_${n}`)!;
      const e = best.get(`echo_${n}`)!;
      Object.assign(out, {
        [`calls_${n}_runtime_calls_per_s`]: rate(n, r.ms),
        [`calls_${n}_runtime_ms`]: round(r.ms, 1),
        [`calls_${n}_ceiling_calls_per_s`]: rate(n, c.ms),
        [`calls_${n}_ceiling_ms`]: round(c.ms, 1),
        [`calls_${n}_runtime_over_ceiling`]: round(rate(n, r.ms) / rate(n, c.ms), 3),
        [`calls_${n}_echo_calls_per_s`]: rate(n, e.ms),
        [`calls_${n}_runtime_over_echo`]: round(rate(n, r.ms) / rate(n, e.ms), 3),
        [`calls_${n}_runtime_quarterback_cpu_us_per_call`]: round(r.callerUs, 1),
        [`calls_${n}_runtime_workers_cpu_us_per_call`]: round(r.workersUs, 1),
        [`calls_${n}_runtime_quarterback_gc_us_per_call`]: round(r.gcUs, 2),
        [`calls_${n}_ceiling_client_cpu_us_per_call`]: round(c.callerUs, 1),
        [`calls_${n}_ceiling_workers_cpu_us_per_call`]: round(c.workersUs, 1),
        // CPU per call, all processes: on a CPU-bound machine, what the throughput ratio tends to
        [`calls_${n}_cpu_per_call_ceiling_over_runtime`]: round((c.callerUs + c.workersUs) / (r.callerUs + r.workersUs), 3),
        [`calls_${n}_echo_client_cpu_us_per_call`]: round(e.callerUs, 1),
        [`calls_${n}_echo_servers_cpu_us_per_call`]: round(e.workersUs, 1),
      });
    }
    // judged on unrounded rates (calls/s are rounded for display only)
    const worst = Math.min(
      ...SIZES.map((n) => {
        const r = best.get(`runtime_${n}`)!;
        const c = best.get(`ceiling_${n}`)!;
        return c.ms / r.ms;
      }),
    );
    const slowest = Math.min(...SIZES.map((n) => (n * 1000) / best.get(`runtime_${n}`)!.ms));
    Object.assign(out, realPath, {
      goal_runtime_over_ceiling: 0.5,
      worst_runtime_over_ceiling: round(worst, 3),
      goal_calls_per_s: GOAL_CALLS_PER_S,
      slowest_runtime_calls_per_s: round(slowest),
      // judged on unrounded numbers; a median within 5% counts as no worse (timer resolution and noise)
      goal_met: worst >= 0.5 && slowest >= GOAL_CALLS_PER_S && latB.p50 <= latU.p50 * 1.05,
      load_before: loadBefore,
      load_after: load(),
      seconds: round((Date.now() - t0) / 1000, 1),
    });
    return out;
  } finally {
    gcObserver.disconnect();
    for (const c of [...podClients, ...echoClients]) c.close();
    await pod?.close();
    await unbatched?.close();
    await Promise.all(echo.map((e) => stop(e.child)));
    removeTemp(dir);
  }
}
