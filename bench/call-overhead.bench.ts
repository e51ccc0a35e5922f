/**
 * Call overhead of the worker SDK against bare grpc-js, in one run, on unix sockets:
 *   - Invoke, 64 calls in flight: SDK `serveWorker({noop})` vs a bare unary service;
 *   - Session, 1,024 calls in flight on one stream: SDK vs a bare bidi stream echoing each
 *     tagged start as a result.
 * Both servers run in their own processes with the same proto definitions; the client (this
 * process) is the same code for both. Each measurement runs three times, alternating bare and SDK,
 * and the better run counts. Goal: the SDK at ≥ 60% of bare for both shapes (`goal_met`, judged
 * on the unrounded ratios).
 *
 * With the servers on their own cores the client may be what limits calls/s, which hides
 * the server's cost; so the server's CPU time per call (from /proc, Linux) is reported too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { loadProtos } from "../src/proto/load.js";
import type { InputMsg, OutputMsg, SessionInMsg, SessionOutMsg } from "../src/proto/messages.js";
import { cpuSeconds } from "./workers/harness.js";

const INVOKE_IN_FLIGHT = 64;
const SESSION_IN_FLIGHT = 1024;
const WARMUP_MS = 750;
const MEASURE_MS = 2_500;
const ROUNDS = 3;
const INPUT = { json: '{"i":1}' };
/** The SDK's calls/s over bare grpc-js's, for both shapes. */
const GOAL_SDK_OVER_BARE = 0.6;

interface RawClient extends grpc.Client {
  Invoke(req: InputMsg, cb: (err: grpc.ServiceError | null, res?: OutputMsg) => void): grpc.ClientUnaryCall;
  Session(): grpc.ClientDuplexStream<SessionInMsg, SessionOutMsg>;
}

async function startServer(file: string, socket: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL(file, import.meta.url))], {
    env: { ...process.env, QB_LISTEN: `unix:${socket}` },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const address = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => line.startsWith("QB_LISTENING ") && resolve(line.slice("QB_LISTENING ".length).trim()));
    child.on("exit", (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return { child, address };
}

interface Run {
  calls: number;
  ms: number;
}

/** Completed calls with `inFlight` Invoke calls kept going for `ms`. */
function runInvoke(client: RawClient, inFlight: number, ms: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    let done = 0;
    let stop = false;
    let outstanding = 0;
    const start = Date.now();
    const fire = () => {
      outstanding++;
      client.Invoke({ method: "noop", input: INPUT, callId: "", attempt: 1 }, (err, res) => {
        outstanding--;
        if (err || !res?.result) return reject(err ?? new Error(`no result: ${JSON.stringify(res)}`));
        done++;
        if (!stop) fire();
        else if (outstanding === 0) resolve({ calls: done, ms: Date.now() - start });
      });
    };
    for (let i = 0; i < inFlight; i++) fire();
    setTimeout(() => (stop = true), ms);
  });
}

/** Completed calls with `inFlight` calls kept going on one Session stream for `ms`. */
function runSession(client: RawClient, inFlight: number, ms: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const stream = client.Session();
    let done = 0;
    let next = 0;
    let outstanding = 0;
    let stop = false;
    const start = Date.now();
    const fire = () => {
      outstanding++;
      stream.write({ callId: `c${next++}`, start: { method: "noop", input: INPUT, timeoutMs: 0, attempt: 1 } });
    };
    stream.on("data", (m: SessionOutMsg) => {
      if (m.msg !== "result" && m.msg !== "error") return;
      if (m.msg === "error") return reject(new Error(m.error?.message));
      outstanding--;
      done++;
      if (!stop) fire();
      else if (outstanding === 0) {
        const run = { calls: done, ms: Date.now() - start };
        stream.end();
        resolve(run);
      }
    });
    stream.on("error", (e) => reject(e));
    for (let i = 0; i < inFlight; i++) fire();
    setTimeout(() => (stop = true), ms);
  });
}

interface Measured {
  callsPerS: number;
  serverUsPerCall: number;
}

async function measure(server: ChildProcess, run: (ms: number) => Promise<Run>): Promise<Measured> {
  await run(WARMUP_MS);
  const cpu0 = cpuSeconds(server.pid!);
  const r = await run(MEASURE_MS);
  const cpu = cpuSeconds(server.pid!) - cpu0;
  return { callsPerS: (r.calls * 1000) / r.ms, serverUsPerCall: (cpu * 1e6) / r.calls };
}

function better(a: Measured | undefined, b: Measured): Measured {
  return !a || b.callsPerS > a.callsPerS ? b : a;
}

export default async function callOverhead(): Promise<Record<string, number | boolean>> {
  const t0 = Date.now();
  const dir = await mkdtemp(join(tmpdir(), "qb-bench-"));
  const bare = await startServer("./call-overhead/bare-server.ts", join(dir, "bare.sock"));
  const sdk = await startServer("./call-overhead/sdk-server.ts", join(dir, "sdk.sock"));
  const { WorkerClient } = loadProtos();
  const clients = {
    bare: new WorkerClient(bare.address, grpc.credentials.createInsecure()) as unknown as RawClient,
    sdk: new WorkerClient(sdk.address, grpc.credentials.createInsecure()) as unknown as RawClient,
  };
  const best: Record<"bareInvoke" | "sdkInvoke" | "bareSession" | "sdkSession", Measured | undefined> = {
    bareInvoke: undefined,
    sdkInvoke: undefined,
    bareSession: undefined,
    sdkSession: undefined,
  };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      best.bareInvoke = better(best.bareInvoke, await measure(bare.child, (ms) => runInvoke(clients.bare, INVOKE_IN_FLIGHT, ms)));
      best.sdkInvoke = better(best.sdkInvoke, await measure(sdk.child, (ms) => runInvoke(clients.sdk, INVOKE_IN_FLIGHT, ms)));
      best.bareSession = better(best.bareSession, await measure(bare.child, (ms) => runSession(clients.bare, SESSION_IN_FLIGHT, ms)));
      best.sdkSession = better(best.sdkSession, await measure(sdk.child, (ms) => runSession(clients.sdk, SESSION_IN_FLIGHT, ms)));
      process.stderr.write(`call-overhead round ${round + 1}/${ROUNDS}: ${JSON.stringify(best)}\n`);
    }
  } finally {
    clients.bare.close();
    clients.sdk.close();
    bare.child.kill("SIGTERM");
    sdk.child.kill("SIGTERM");
    await Promise.all([bare.child, sdk.child].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)))));
    await rm(dir, { recursive: true, force: true });
  }
  const b = best as Record<keyof typeof best, Measured>;
  const round = (x: number, digits = 0) => Number(x.toFixed(digits));
  // judged unrounded; rounded for display only
  const invokeRatio = b.sdkInvoke.callsPerS / b.bareInvoke.callsPerS;
  const sessionRatio = b.sdkSession.callsPerS / b.bareSession.callsPerS;
  return {
    invoke_in_flight: INVOKE_IN_FLIGHT,
    bare_invoke_calls_per_s: round(b.bareInvoke.callsPerS),
    sdk_invoke_calls_per_s: round(b.sdkInvoke.callsPerS),
    invoke_sdk_over_bare: round(invokeRatio, 3),
    bare_invoke_server_us_per_call: round(b.bareInvoke.serverUsPerCall, 1),
    sdk_invoke_server_us_per_call: round(b.sdkInvoke.serverUsPerCall, 1),
    session_in_flight: SESSION_IN_FLIGHT,
    bare_session_calls_per_s: round(b.bareSession.callsPerS),
    sdk_session_calls_per_s: round(b.sdkSession.callsPerS),
    session_sdk_over_bare: round(sessionRatio, 3),
    bare_session_server_us_per_call: round(b.bareSession.serverUsPerCall, 1),
    sdk_session_server_us_per_call: round(b.sdkSession.serverUsPerCall, 1),
    goal_sdk_over_bare: GOAL_SDK_OVER_BARE,
    goal_met: invokeRatio >= GOAL_SDK_OVER_BARE && sessionRatio >= GOAL_SDK_OVER_BARE,
    seconds: round((Date.now() - t0) / 1000, 1),
  };
}
