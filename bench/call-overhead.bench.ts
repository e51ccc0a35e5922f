/**
 * Call overhead of the worker SDK against bare grpc-js, in one run, on unix sockets:
 *   - Invoke, 64 calls in flight: SDK `serveWorker({noop})` vs a bare unary service;
 *   - Session, 1,024 calls in flight on one stream: SDK vs a bare bidi stream echoing each
 *     tagged start as a result.
 * Both servers run in their own processes with the same proto definitions; the client (this
 * process) is the same code for both. Each measurement runs twice, alternating bare and SDK,
 * and the better run counts. Goal: the SDK at ≥ 60% of bare for both shapes.
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

const INVOKE_IN_FLIGHT = 64;
const SESSION_IN_FLIGHT = 1024;
const WARMUP_MS = 750;
const MEASURE_MS = 3_000;
const ROUNDS = 2;
const INPUT = { json: '{"i":1}' };

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

/** Completed calls per second with `inFlight` Invoke calls kept going. */
function runInvoke(client: RawClient, inFlight: number, ms: number): Promise<number> {
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
        else if (outstanding === 0) resolve((done * 1000) / (Date.now() - start));
      });
    };
    for (let i = 0; i < inFlight; i++) fire();
    setTimeout(() => (stop = true), ms);
  });
}

/** Completed calls per second with `inFlight` calls kept going on one Session stream. */
function runSession(client: RawClient, inFlight: number, ms: number): Promise<number> {
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
        const rate = (done * 1000) / (Date.now() - start);
        stream.end();
        resolve(rate);
      }
    });
    stream.on("error", (e) => reject(e));
    for (let i = 0; i < inFlight; i++) fire();
    setTimeout(() => (stop = true), ms);
  });
}

async function measure(run: (ms: number) => Promise<number>): Promise<number> {
  await run(WARMUP_MS);
  return run(MEASURE_MS);
}

export default async function callOverhead(): Promise<Record<string, number>> {
  const t0 = Date.now();
  const dir = await mkdtemp(join(tmpdir(), "qb-bench-"));
  const bare = await startServer("./call-overhead/bare-server.ts", join(dir, "bare.sock"));
  const sdk = await startServer("./call-overhead/sdk-server.ts", join(dir, "sdk.sock"));
  const { WorkerClient } = loadProtos();
  const clients = {
    bare: new WorkerClient(bare.address, grpc.credentials.createInsecure()) as unknown as RawClient,
    sdk: new WorkerClient(sdk.address, grpc.credentials.createInsecure()) as unknown as RawClient,
  };
  const best = { bareInvoke: 0, sdkInvoke: 0, bareSession: 0, sdkSession: 0 };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      best.bareInvoke = Math.max(best.bareInvoke, await measure((ms) => runInvoke(clients.bare, INVOKE_IN_FLIGHT, ms)));
      best.sdkInvoke = Math.max(best.sdkInvoke, await measure((ms) => runInvoke(clients.sdk, INVOKE_IN_FLIGHT, ms)));
      best.bareSession = Math.max(best.bareSession, await measure((ms) => runSession(clients.bare, SESSION_IN_FLIGHT, ms)));
      best.sdkSession = Math.max(best.sdkSession, await measure((ms) => runSession(clients.sdk, SESSION_IN_FLIGHT, ms)));
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
  const round = (x: number) => Math.round(x);
  return {
    invoke_in_flight: INVOKE_IN_FLIGHT,
    bare_invoke_calls_per_s: round(best.bareInvoke),
    sdk_invoke_calls_per_s: round(best.sdkInvoke),
    invoke_sdk_over_bare: Number((best.sdkInvoke / best.bareInvoke).toFixed(3)),
    session_in_flight: SESSION_IN_FLIGHT,
    bare_session_calls_per_s: round(best.bareSession),
    sdk_session_calls_per_s: round(best.sdkSession),
    session_sdk_over_bare: Number((best.sdkSession / best.bareSession).toFixed(3)),
    seconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
  };
}
