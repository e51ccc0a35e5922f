/**
 * Replica, driven in-process against a bare grpc-js worker this test controls: its Session
 * streams (broken at will), its answers (values, errors, refusals) and its Describe. A
 * "spawned" replica here runs `sleep` as its process while the test serves its socket, so
 * that the replica has a process to kill when its stream keeps breaking.
 */
import type * as grpc from "@grpc/grpc-js";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Json, WorkerIR } from "../ir/types.js";
import type { CallErrorMsg, SessionInMsg, SessionOutMsg } from "../proto/messages.js";
import { oneMethodDescribe, serveBareWorker } from "../../test/support/bare-worker.js";
import * as grpcJs from "@grpc/grpc-js";
import { vi } from "vitest";
import { loadProtos } from "../proto/load.js";
import { groupLive } from "../process/process-group.js";
import { ReplicaCallError, ReplicaCrashedError } from "./errors.js";
import { Replica } from "./replica.js";

const dir = mkdtempSync(join(tmpdir(), "qb-replica-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const loc = { line: 1, col: 1, endLine: 1, endCol: 1 };
let n = 0;

type Stream = grpc.ServerDuplexStream<SessionInMsg, SessionOutMsg>;

/** What a bare worker answers for a call of `method` with `input` (undefined: it never answers). */
function answer(method: string, input: unknown): { result?: unknown; error?: CallErrorMsg } | undefined {
  if (method === "hang") return undefined;
  if (method === "fail") return { error: { code: "ERROR_CODE_FAILED", message: "it failed", details: "", retryable: false, type: "Boom" } };
  if (method === "busy")
    return { error: { code: "ERROR_CODE_RESOURCE_EXHAUSTED", message: "no free slot", details: "", retryable: true, type: "CapacityError" } };
  if (method === "capfail") return { error: { code: "ERROR_CODE_FAILED", message: "a method's own", details: "", retryable: false, type: "CapacityError" } };
  if (method === "oom")
    return { error: { code: "ERROR_CODE_RESOURCE_EXHAUSTED", message: "out of memory", details: "", retryable: true, type: "MemoryError" } };
  return { result: { echoed: input, method } };
}

interface Bare {
  address: string;
  server: grpc.Server;
  /** Every Session stream opened so far, oldest first. */
  streams: Stream[];
  /** Messages received over Session (a batch's messages one by one). */
  received: SessionInMsg[];
  /** The Session frames as they came: a batch is one frame. */
  frames: SessionInMsg[];
  /** The gRPC deadline of each Invoke call, in order. */
  invokeDeadlines: grpc.Deadline[];
  /** The call id of each Invoke call, in order. */
  invokeIds: string[];
}

async function bare(
  opts: {
    session?: boolean;
    maxConcurrentCalls?: number;
    address?: string;
    health?: () => string;
    /** Its Describe offers batched Session frames. */
    batches?: boolean;
    /** Its Describe's message limit. */
    maxMessageBytes?: number;
    /** Its Describe says it reads spilled values. */
    readsSpilled?: boolean;
  } = {},
): Promise<Bare> {
  const address = opts.address ?? `unix:${join(dir, `bare-${n++}.sock`)}`;
  const streams: Stream[] = [];
  const received: SessionInMsg[] = [];
  const frames: SessionInMsg[] = [];
  const invokeDeadlines: grpc.Deadline[] = [];
  const invokeIds: string[] = [];
  const signalsTaken = new Map<string, number>();
  const server = await serveBareWorker(address, {
    describe: {
      ...oneMethodDescribe("bare", "echo", {
        maxConcurrentCalls: opts.maxConcurrentCalls ?? 0,
        session: opts.session ?? true,
        maxMessageBytes: opts.maxMessageBytes ?? 0,
      }),
      ...(opts.batches ? { sessionBatches: true } : {}),
      ...(opts.readsSpilled ? { readsSpilledValues: true } : {}),
    },
    ...(opts.health ? { health: opts.health } : {}),
    invoke: (req, cb, call) => {
      invokeDeadlines.push(call.getDeadline());
      const r = req as { method: string; input: { json: string }; callId: string };
      invokeIds.push(r.callId);
      if (r.method === "late") {
        // answers a moment later: progress reported meanwhile reaches the call
        setTimeout(() => cb(null, { result: { json: '"late"' } }), 150);
        return;
      }
      const a = answer(r.method, JSON.parse(r.input.json));
      if (!a) return;
      cb(null, a.error ? { error: a.error } : { result: { json: JSON.stringify(a.result) } });
    },
    session: (s) => {
      const stream = s as Stream;
      streams.push(stream);
      stream.on("error", () => undefined);
      const one = (m: SessionInMsg): void => {
        received.push(m);
        // a held call of method "count": answers how many signal values it took once they end
        if (m.signal) {
          if (m.signal.end) stream.write({ callId: m.callId, result: { json: String(signalsTaken.get(m.callId) ?? 0) } });
          else signalsTaken.set(m.callId, (signalsTaken.get(m.callId) ?? 0) + 1);
        }
        if (m.cancel)
          stream.write({ callId: m.callId, error: { code: "ERROR_CODE_CANCELLED", message: m.cancel.reason, details: "", retryable: false, type: "" } });
        if (!m.start) return;
        if (m.start.method === "count") return;
        if (m.start.method === "late") {
          // answers a moment later: to see calls in flight given time to settle
          const t = setTimeout(() => stream.write({ callId: m.callId, result: { json: '"late"' } }), 150);
          stream.on("close", () => clearTimeout(t));
          return;
        }
        const a = answer(m.start.method, m.start.input?.json ? JSON.parse(m.start.input.json) : null);
        if (!a) return;
        stream.write(a.error ? { callId: m.callId, error: a.error } : { callId: m.callId, result: { json: JSON.stringify(a.result) } });
      };
      stream.on("data", (m: SessionInMsg) => {
        frames.push(m);
        for (const x of m.batch?.length ? m.batch : [m]) one(x);
      });
      stream.on("end", () => stream.end());
    },
  });
  servers.push(server);
  return { address, server, streams, received, frames, invokeDeadlines, invokeIds };
}

const servers: grpc.Server[] = [];
const replicas: Replica[] = [];
afterEach(async () => {
  await Promise.all(replicas.splice(0).map((r) => r.stop(200)));
  for (const s of servers.splice(0)) s.forceShutdown();
});

function replica(
  worker: Partial<WorkerIR> & { name?: string },
  address: string,
  startTimeoutMs = 5_000,
  place: { land?: string; sessionBatches?: boolean } = {},
): Replica {
  const w: WorkerIR = { name: "bare", replicas: 1, env: {}, loc, ...worker };
  const r = new Replica(w, 0, { address, logPath: join(dir, `r-${n++}.log`), cwd: dir, env: {}, startTimeoutMs, ...place });
  replicas.push(r);
  return r;
}

const opts = (signal = new AbortController().signal) => ({ attempt: 1, timeoutMs: null, signal, step: "st" });

/** Calls echo until it succeeds (a stream just broken fails the calls sent before it is reopened); the ms it took. */
async function echoUntilServed(r: Replica, v: Json): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const out = await r.call("echo", v, opts()).catch((e: unknown) => e);
    if (!(out instanceof Error)) {
      expect(out).toEqual({ echoed: v, method: "echo" });
      return Date.now() - t0;
    }
    expect(out).toBeInstanceOf(ReplicaCallError);
    expect((out as ReplicaCallError).retryable).toBe(true);
    if (Date.now() - t0 > 2_000) throw out;
    await new Promise((res) => setTimeout(res, 5));
  }
}

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("a replica attached to a worker that speaks Session", () => {
  it("starts ready with the worker's Describe, and runs calls over its one Session stream", async () => {
    const w = await bare({ maxConcurrentCalls: 5 });
    const r = replica({ at: [w.address] }, w.address);
    expect(r.state).toBe("starting");
    expect(r.capacity).toBe(Infinity);
    await r.start();
    expect(r.state).toBe("ready");
    expect(r.wasReady).toBe(true);
    expect(r.describe?.name).toBe("bare");
    expect(r.capacity).toBe(5);
    expect(r.pid).toBeUndefined();
    expect(r.address).toBe(w.address);
    expect(await r.call("echo", { a: 1 }, opts())).toEqual({ echoed: { a: 1 }, method: "echo" });
    expect(await r.call("other", [2], opts())).toEqual({ echoed: [2], method: "other" });
    expect(w.streams.length).toBe(1);
    expect(w.received.filter((m) => m.start).map((m) => m.start!.method)).toEqual(["echo", "other"]);
    expect(r.inFlight).toBe(0);
  });

  it("tells about a call in flight (step, method, attempt, input) and forgets it once it ends", async () => {
    const w = await bare();
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    const ended: number[] = [];
    r.onCallEnded = (x) => void ended.push(x.inFlight);
    const ac = new AbortController();
    const pending = r.call("hang", { k: "v" }, { attempt: 3, timeoutMs: null, signal: ac.signal, step: "mystep" });
    expect(r.inFlight).toBe(1);
    // a Session numbers its calls from c1
    expect(r.about("c1")).toEqual({ step: "mystep", method: "hang", attempt: 3, input: { k: "v" } });
    expect(r.about("c2")).toBeUndefined();
    await until(() => w.received.length > 0);
    ac.abort(new Error("enough"));
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplicaCallError);
    expect(r.inFlight).toBe(0);
    expect(ended).toEqual([0]);
    expect(r.about("c1")).toBeUndefined();
    // the cancel went to the worker
    await until(() => w.received.some((m) => m.cancel));
  });

  it("fails a call whose input cannot be sent (not JSON) at once, nothing sent, its slot freed", async () => {
    const w = await bare();
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    const ended: number[] = [];
    r.onCallEnded = (x) => void ended.push(x.inFlight);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const err = await r.call("echo", circular as never, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplicaCallError);
    expect((err as Error).message).toContain("value is not JSON");
    expect(r.inFlight).toBe(0);
    expect(ended).toEqual([0]);
    expect(w.received.filter((m) => m.start)).toEqual([]);
  });

  it("fails a call the worker fails with its retryable flag, and tells a slot refusal from a method's own RESOURCE_EXHAUSTED", async () => {
    const w = await bare();
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    const fail = (await r.call("fail", 1, opts()).catch((e: unknown) => e)) as ReplicaCallError;
    expect(fail).toBeInstanceOf(ReplicaCallError);
    expect(fail.message).toBe("it failed");
    expect([fail.retryable, fail.refused, fail.replica]).toEqual([false, false, 0]);
    const busy = (await r.call("busy", 1, opts()).catch((e: unknown) => e)) as ReplicaCallError;
    expect([busy.retryable, busy.refused]).toEqual([true, true]);
    const oom = (await r.call("oom", 1, opts()).catch((e: unknown) => e)) as ReplicaCallError;
    expect([oom.retryable, oom.refused]).toEqual([true, false]);
    // a refusal is said by the code and the type together
    const capfail = (await r.call("capfail", 1, opts()).catch((e: unknown) => e)) as ReplicaCallError;
    expect([capfail.retryable, capfail.refused]).toEqual([false, false]);
    expect(r.inFlight).toBe(0);
  });

  it("opens its Session again when the stream breaks: the call on it fails retryable, the next one runs once the worker answers", async () => {
    const w = await bare();
    const r = replica({ at: [w.address] }, w.address);
    const told: string[] = [];
    r.onReachability = (_r, kind, detail) => told.push(`${kind} ${detail}`);
    await r.start();
    const pending = r.call("hang", 1, opts());
    await until(() => w.received.length === 1);
    w.streams[0]!.end();
    const err = (await pending.catch((e: unknown) => e)) as ReplicaCallError;
    expect(err).toBeInstanceOf(ReplicaCallError);
    expect(err.retryable).toBe(true);
    expect(err.refused).toBe(false);
    // given no calls until a health check says the worker is there, then ready again
    expect(r.state).toBe("unreachable");
    // the status's own words (grpc-js says OK for a stream the worker ended)
    expect(told[0]).toBe(`unreachable ${w.address}: OK`);
    await until(() => r.state === "ready");
    // a stream reaches the worker with its first call
    expect(await r.call("echo", "again", opts())).toEqual({ echoed: "again", method: "echo" });
    expect(w.streams.length).toBe(2);
    expect(r.inFlight).toBe(0);
  });

  it("reopens an attached replica's stream that keeps breaking only after a pause, and never gives it up", async () => {
    const w = await bare();
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    await echoUntilServed(r, 0);
    // three breaks within the window: reopened at once
    for (let i = 1; i <= 3; i++) {
      w.streams[i - 1]!.end();
      expect(await echoUntilServed(r, i)).toBeLessThan(150);
      expect(w.streams.length).toBe(i + 1);
    }
    // the fourth: reopened a moment later
    w.streams[3]!.end();
    expect(await echoUntilServed(r, 4)).toBeGreaterThanOrEqual(200);
    expect(w.streams.length).toBe(5);
    expect(r.state).toBe("ready");
  });
});

describe("an attached replica that loses its worker", () => {
  type Told = { kind: string; detail: string; state: string };

  /**
   * A replica attached to a bare worker at a fresh socket, served once, whose worker then goes
   * away (socket and all). `checks` counts the health checks it makes from then on (the
   * worker is gone, so only the replica's own client can tell).
   */
  async function servedThenLost(
    name: string,
    startTimeoutMs: number,
    session = true,
  ): Promise<{ address: string; r: Replica; told: Told[]; checks: () => number }> {
    const address = `unix:${join(dir, `${name}-${n++}.sock`)}`;
    const w = await bare({ address, session });
    const r = replica({ at: [address] }, address, startTimeoutMs);
    const told: Told[] = [];
    r.onReachability = (replica, kind, detail) => told.push({ kind, detail, state: replica.state });
    await r.start();
    await echoUntilServed(r, 0);
    const client = (r as unknown as { client: { health: (...a: unknown[]) => Promise<string> } }).client;
    const health = client.health.bind(client);
    let checks = 0;
    client.health = (...a) => (checks++, health(...a));
    w.server.forceShutdown();
    rmSync(address.slice("unix:".length), { force: true });
    return { address, r, told, checks: () => checks };
  }

  it("is unreachable while its worker is down, and ready with a new Session once a health check passes", async () => {
    const { address, r, told } = await servedThenLost("comeback", 10_000);
    await until(() => r.state === "unreachable");
    expect(told).toEqual([{ kind: "unreachable", detail: expect.stringMatching(new RegExp(`^${address}: \\S`)), state: "unreachable" }]);
    // down for a while: health checks fail, backing off, and it stays unreachable
    await new Promise((res) => setTimeout(res, 300));
    expect(r.state).toBe("unreachable");
    const back = await bare({ address });
    await until(() => r.state === "ready", 3_000);
    expect(told.at(-1)).toEqual({
      kind: "reconnected",
      detail: expect.stringMatching(new RegExp(`^answering again at ${address} after \\d+ ms$`)),
      state: "ready",
    });
    expect(Number(/after (\d+) ms/.exec(told.at(-1)!.detail)![1])).toBeLessThan(5_000);
    // the worker's own words on why the stream broke, not the generic line
    expect(told[0]!.detail).not.toMatch(/the Session stream ended/);
    expect(told.length).toBe(2);
    expect(await r.call("echo", 7, opts())).toEqual({ echoed: 7, method: "echo" });
    // over a Session opened again on the worker that came back (it reaches the worker with the call)
    expect(back.streams.length).toBe(1);
    expect(back.received.filter((m) => m.start).length).toBe(1);
  });

  it("is dead past its start timeout, naming the address, how long and the last error", async () => {
    const { address, r, told, checks } = await servedThenLost("gone", 400);
    await until(() => r.state === "dead", 3_000);
    const gaveUp = told.find((t) => t.kind === "gave-up")!;
    expect(gaveUp.state).toBe("dead");
    expect(gaveUp.detail).toMatch(new RegExp(`^not answering at ${address} for (\\d+) ms: \\S`));
    expect(Number(/for (\d+) ms/.exec(gaveUp.detail)![1])).toBeGreaterThan(400);
    expect(Number(/for (\d+) ms/.exec(gaveUp.detail)![1])).toBeLessThan(5_000);
    // it goes on looking, backing off to a check a second, and says it gave up only once
    await new Promise((res) => setTimeout(res, 1_100));
    expect(told.filter((t) => t.kind === "gave-up").length).toBe(1);
    // checks at 0, 25, 75, 175, 375, 775, 1775 ms...: a handful in these ~1.9 s, not one every 25 ms nor one a second
    expect(checks()).toBeGreaterThanOrEqual(5);
    expect(checks()).toBeLessThanOrEqual(12);
  });

  it("stops looking for its worker once stopped: no event after stop()", async () => {
    const { address, r, told, checks } = await servedThenLost("stopped", 10_000);
    await until(() => r.state === "unreachable");
    await r.stop(50);
    const checked = checks();
    const back = await bare({ address });
    await new Promise((res) => setTimeout(res, 1_200));
    expect(r.state).toBe("stopped");
    expect(told.map((t) => t.kind)).toEqual(["unreachable"]);
    expect(back.streams.length).toBe(0);
    // not even a health check: the looking stopped, not just its events
    expect(checks()).toBe(checked);
  });

  it("is counted dead with no one listening to its reachability", async () => {
    const { r } = await servedThenLost("quiet", 200);
    r.onReachability = undefined;
    await until(() => r.state === "dead", 3_000);
  });

  it("over Invoke: unreachable once a call finds it gone (told once however many calls fail), and back over Invoke alone", async () => {
    const { address, r, told } = await servedThenLost("invoke", 10_000, false);
    const failed = await Promise.all([1, 2].map((i) => r.call("echo", i, opts()).catch((e: unknown) => e)));
    for (const err of failed) expect((err as ReplicaCallError).retryable).toBe(true);
    expect(r.state).toBe("unreachable");
    expect(told.map((t) => t.kind)).toEqual(["unreachable"]);
    const back = await bare({ address, session: false });
    await until(() => r.state === "ready", 3_000);
    expect(told.map((t) => t.kind)).toEqual(["unreachable", "reconnected"]);
    expect(await r.call("echo", 3, opts())).toEqual({ echoed: 3, method: "echo" });
    // no Session opened on a worker that does not speak it
    expect(back.streams).toEqual([]);
  });

  it("over Invoke: stays ready when a call fails otherwise (the worker's error, or the call's deadline)", async () => {
    const w = await bare({ session: false });
    const r = replica({ at: [w.address] }, w.address);
    const told: string[] = [];
    r.onReachability = (_r, kind) => told.push(kind);
    await r.start();
    expect(await r.call("fail", 1, opts()).catch((e: unknown) => (e as Error).message)).toBe("it failed");
    const late = (await r.call("hang", 1, { ...opts(), timeoutMs: 50 }).catch((e: unknown) => e)) as ReplicaCallError;
    expect(late).toBeInstanceOf(ReplicaCallError);
    expect(r.state).toBe("ready");
    expect(told).toEqual([]);
  });
});

describe("a replica with a process of its own", () => {
  it("is killed when its Session keeps breaking (the fourth break within the window): dead, its exit told", async () => {
    const socket = join(dir, `spawned-${n++}.sock`);
    const address = `unix:${socket}`;
    const r = replica({ run: "exec sleep 30" }, address);
    const exits: string[] = [];
    r.onExit = (x, exit) => void exits.push(`${x.index} ${exit}`);
    r.spawn();
    const pid = r.pid!;
    expect(pid).toBeGreaterThan(0);
    expect(groupLive(pid)).toBe(true);
    const w = await bare({ address });
    await r.start();
    expect(r.state).toBe("ready");
    await echoUntilServed(r, 0);
    for (let i = 1; i <= 3; i++) {
      w.streams[i - 1]!.end();
      await echoUntilServed(r, i);
    }
    expect(w.streams.length).toBe(4);
    expect(r.state).toBe("ready");
    expect(exits).toEqual([]);
    w.streams[3]!.end();
    await until(() => exits.length === 1);
    expect(exits).toEqual(["0 killed by SIGKILL"]);
    expect(r.state).toBe("dead");
    await until(() => !groupLive(pid));
    // a dead replica does not reopen its stream: calls fail with the exit
    const err = (await r.call("echo", 9, opts()).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^replica 0 of worker `bare` died \(killed by SIGKILL\)/);
    expect(w.streams.length).toBe(4);
  });

  it("counts only the breaks within the window: a fourth break long after the first three reopens the stream", async () => {
    const address = `unix:${join(dir, `window-${n++}.sock`)}`;
    const r = replica({ run: "exec sleep 30" }, address);
    const exits: string[] = [];
    r.onExit = (_x, exit) => void exits.push(exit);
    r.spawn();
    const w = await bare({ address });
    await r.start();
    await echoUntilServed(r, 0);
    for (let i = 1; i <= 3; i++) {
      w.streams[i - 1]!.end();
      await echoUntilServed(r, i);
    }
    // the clock moves past the window (10 s) since those three
    const realNow = Date.now.bind(Date);
    const later = vi.spyOn(Date, "now").mockImplementation(() => realNow() + 10_500);
    try {
      w.streams[3]!.end();
      await echoUntilServed(r, 4);
      expect(w.streams.length).toBe(5);
      expect(r.state).toBe("ready");
      expect(exits).toEqual([]);
    } finally {
      later.mockRestore();
    }
  });

  it("stop() ends its process group and marks it stopped, without telling an exit", async () => {
    const r = replica({ run: "sleep 30 & exec sleep 31" }, `unix:${join(dir, `never-${n++}.sock`)}`);
    let told = 0;
    r.onExit = () => void told++;
    r.spawn();
    const pid = r.pid!;
    expect(groupLive(pid)).toBe(true);
    await r.stop(500);
    // its exit, told after stop returned, leaves it stopped
    await new Promise((res) => setTimeout(res, 50));
    expect(r.state).toBe("stopped");
    expect(groupLive(pid)).toBe(false);
    expect(told).toBe(0);
  });

  it("fails to start, naming worker and replica with its log, when it exits before it listens", async () => {
    const r = replica({ name: "gone", run: "echo about to fail; exit 9" }, `unix:${join(dir, `gone-${n++}.sock`)}`);
    const err = (await r.start().catch((e: unknown) => e)) as Error & { worker: string; replica: number; logTail: string };
    expect(err.name).toBe("WorkerStartError");
    expect(err.message).toMatch(/^worker `gone` replica 0: exited before it was ready \(exit code 9\)/);
    expect(err.logTail).toContain("about to fail");
    expect(r.wasReady).toBe(false);
  });
});

describe("what a call tells the worker", () => {
  it("sends a call's deadline over Session (0 when it has none)", async () => {
    const w = await bare();
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    await r.call("echo", 1, { ...opts(), timeoutMs: 1_234 });
    await r.call("echo", 2, opts());
    expect(w.received.filter((m) => m.start).map((m) => m.start!.timeoutMs)).toEqual([1_234, 0]);
  });

  it("sends a call's deadline over Invoke as the gRPC deadline (none when it has none)", async () => {
    const w = await bare({ session: false });
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    const t0 = Date.now();
    await r.call("echo", 1, { ...opts(), timeoutMs: 60_000 });
    await r.call("echo", 2, opts());
    const [bounded, open] = w.invokeDeadlines;
    // grpc-js's server reads the deadline as ms since the epoch
    expect(Number(bounded) - t0).toBeGreaterThan(59_000);
    expect(Number(bounded) - t0).toBeLessThanOrEqual(60_000 + (Date.now() - t0));
    expect(open).toBe(Infinity);
  });

  it("sends a held call's signal values and their end: the call then returns", async () => {
    const w = await bare();
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    const h = r.hold("count", null, holdOpts(new AbortController().signal));
    h.signal("x", 1);
    h.signal("x", 2);
    h.end("x");
    // without the end the call would wait for ever: fail fast instead
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error("the held call did not return within 2 s")), 2_000).unref());
    expect(await Promise.race([h.result, late])).toBe(2);
    expect(w.received.filter((m) => m.signal).map((m) => [m.signal!.name, m.signal!.end])).toEqual([
      ["x", false],
      ["x", false],
      ["x", true],
    ]);
    expect(r.inFlight).toBe(0);
  });
});

describe("a replica of a worker without Session", () => {
  it("gives each Invoke call an id of its own and routes progress reported under it to that call while it runs, not after", async () => {
    const w = await bare({ session: false });
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    const heard: Array<[string, number, string]> = [];
    const first = r.call("late", 1, { ...opts(), progress: (f, m) => heard.push(["first", f, m]) });
    const second = r.call("late", 2, { ...opts(), progress: (f, m) => heard.push(["second", f, m]) });
    await until(() => w.invokeIds.length === 2);
    expect(w.invokeIds).toEqual(["i1", "i2"]);
    r.progress("i2", 0.5, "half");
    r.progress("i1", 0.25, "quarter");
    r.progress("i9", 1, "no such call");
    expect(heard).toEqual([
      ["second", 0.5, "half"],
      ["first", 0.25, "quarter"],
    ]);
    expect(await Promise.all([first, second])).toEqual(["late", "late"]);
    r.progress("i1", 1, "after the answer");
    // a call without a progress callback gets an id too
    await r.call("echo", 3, opts());
    expect(w.invokeIds).toEqual(["i1", "i2", "i3"]);
    expect(heard).toHaveLength(2);
  });

  it("runs plain calls over Invoke, tracks none of them, and refuses held calls", async () => {
    const w = await bare({ session: false, maxConcurrentCalls: 2 });
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    expect(r.describe?.session).toBe(false);
    expect(await r.call("echo", [1, 2], opts())).toEqual({ echoed: [1, 2], method: "echo" });
    const fail = (await r.call("fail", 1, opts()).catch((e: unknown) => e)) as ReplicaCallError;
    expect([fail.retryable, fail.refused, fail.message]).toEqual([false, false, "it failed"]);
    const busy = (await r.call("busy", 1, opts()).catch((e: unknown) => e)) as ReplicaCallError;
    expect(busy.refused).toBe(true);
    expect(w.streams).toEqual([]);
    const ac = new AbortController();
    const pending = r.call("hang", 1, opts(ac.signal));
    expect(r.about("c1")).toBeUndefined();
    ac.abort();
    await expect(pending).rejects.toBeInstanceOf(ReplicaCallError);
    let refused: unknown;
    try {
      r.hold("echo", 1, { ...opts(), onYield: () => undefined, onAwaiting: () => undefined });
    } catch (err) {
      refused = err;
    }
    // not retryable: no other replica of the worker speaks Session either
    expect(refused).toBeInstanceOf(ReplicaCallError);
    expect((refused as ReplicaCallError).retryable).toBe(false);
    expect((refused as ReplicaCallError).message).toMatch(/worker `bare` does not speak Session, which held calls need/);
    expect(r.inFlight).toBe(0);
  });
});

const holdOpts = (signal: AbortSignal) => ({ ...opts(signal), onYield: () => undefined, onAwaiting: () => undefined });

describe("cancelling a held call", () => {
  it("cancels on the worker at once when the signal is already aborted (the reason told, or `cancelled`)", async () => {
    const w = await bare();
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    const ac = new AbortController();
    ac.abort("not an Error");
    const h = r.hold("hang", 1, holdOpts(ac.signal));
    await expect(h.result).rejects.toBeInstanceOf(ReplicaCallError);
    expect(w.received.find((m) => m.cancel)?.cancel?.reason).toBe("cancelled");
    expect(r.inFlight).toBe(0);
  });

  it("cancels on the worker when the signal is aborted during the call, then stops listening to it", async () => {
    const w = await bare();
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    const ac = new AbortController();
    const removed = vi.spyOn(ac.signal, "removeEventListener");
    const h = r.hold("hang", 1, holdOpts(ac.signal));
    await until(() => w.received.some((m) => m.start));
    expect(w.received.some((m) => m.cancel)).toBe(false);
    ac.abort(new Error("enough of it"));
    await expect(h.result).rejects.toBeInstanceOf(ReplicaCallError);
    expect(w.received.find((m) => m.cancel)?.cancel?.reason).toBe("enough of it");
    await until(() => removed.mock.calls.some(([type]) => type === "abort"));
  });
});

describe("what the worker's Describe turns on", () => {
  it("batches Session frames only with a worker that offers them, and not when the pod says no", async () => {
    for (const [offers, pod, batched] of [
      [true, undefined, true],
      [false, undefined, false],
      [true, false, false],
    ] as const) {
      const w = await bare({ batches: offers });
      const r = replica({ at: [w.address] }, w.address, 5_000, pod === undefined ? {} : { sessionBatches: pod });
      await r.start();
      // four calls in one turn: one frame when batched, four when not
      const got = await Promise.all([1, 2, 3, 4].map((i) => r.call("echo", i, opts())));
      expect(got.map((g) => (g as { echoed: number }).echoed)).toEqual([1, 2, 3, 4]);
      expect({ offers, pod, batched: w.frames.some((f) => (f.batch?.length ?? 0) > 1) }).toEqual({ offers, pod, batched });
      expect(w.received.filter((m) => m.start).length).toBe(4);
    }
  });

  it("spills an input over the worker's limit less the envelope, only to a worker that reads spilled values", async () => {
    const land = join(dir, "land");
    mkdirSync(land, { recursive: true });
    const limit = 64 * 1024;
    // within the limit, but not within the limit less the 1 KiB kept for the envelope
    const input = "x".repeat(limit - 600);
    const reads = await bare({ maxMessageBytes: limit, readsSpilled: true });
    const r = replica({ at: [reads.address] }, reads.address, 5_000, { land });
    await r.start();
    await r.call("echo", input, opts()).catch(() => undefined);
    const spilled = reads.received.find((m) => m.start)!.start!.input!;
    expect(spilled.land?.path).toMatch(/\S/);
    expect(spilled.json ?? "").toBe("");
    // a small one goes inline
    await r.call("echo", "small", opts());
    expect(reads.received.filter((m) => m.start).at(-1)!.start!.input!.json).toBe('"small"');
    // the same land and limit, a worker that does not read spilled values: never a reference
    // it cannot read, even past its limit (its own gRPC limit then decides)
    const plain = await bare({ maxMessageBytes: limit });
    const p = replica({ at: [plain.address] }, plain.address, 5_000, { land });
    await p.start();
    await p.call("echo", input, opts());
    await p.call("echo", "y".repeat(limit + 10), opts()).catch(() => undefined);
    expect(plain.received.filter((m) => m.start).map((m) => m.start!.input!.land)).toEqual([undefined, undefined]);
  });
});

describe("a spawned replica whose process dies", () => {
  it("kills what the process left in its group at once, before any stop", async () => {
    const r = replica({ name: "forks", run: "sleep 30 & exec sleep 30" }, `unix:${join(dir, `forks-${n++}.sock`)}`);
    const exited = new Promise<string>((resolve) => (r.onExit = (_r, exit) => resolve(exit)));
    r.spawn();
    const pid = r.pid!;
    // the shell has started its child once it has become `sleep` itself
    await until(() => readlinkSync(`/proc/${pid}/exe`).endsWith("sleep"));
    process.kill(pid, "SIGKILL");
    expect(await exited).toBe("killed by SIGKILL");
    // the child in its group goes too, now, not when the pod stops
    await until(() => !groupLive(pid), 2_000);
    expect(r.state).toBe("dead");
  });

  it("fails a call whose stream broke just before the exit as a crash naming worker, replica and exit", async () => {
    const socket = join(dir, `dies-${n++}.sock`);
    const address = `unix:${socket}`;
    const r = replica({ name: "dier", run: "exec sleep 30" }, address);
    r.spawn();
    const pid = r.pid!;
    const w = await bare({ address });
    await r.start();
    const pending = r.call("hang", 1, opts());
    await until(() => w.received.some((m) => m.start));
    // the stream breaks first; the process's exit arrives a moment later
    w.streams[0]!.end();
    setTimeout(() => process.kill(pid, "SIGKILL"), 40);
    const err = (await pending.catch((e: unknown) => e)) as ReplicaCrashedError;
    expect(err).toBeInstanceOf(ReplicaCrashedError);
    expect(err.message).toMatch(/^replica 0 of worker `dier` died \(killed by SIGKILL\)/);
    expect([err.worker, err.replica, err.exit]).toEqual(["dier", 0, "killed by SIGKILL"]);
    expect(r.inFlight).toBe(0);
  });

  it("fails a call whose stream broke while the process lives on as retryable, after a short wait for an exit", async () => {
    const address = `unix:${join(dir, `lives-${n++}.sock`)}`;
    const r = replica({ run: "exec sleep 30" }, address);
    r.spawn();
    const w = await bare({ address });
    await r.start();
    const pending = r.call("hang", 1, opts());
    await until(() => w.received.some((m) => m.start));
    w.streams[0]!.end();
    const err = (await pending.catch((e: unknown) => e)) as ReplicaCallError;
    expect(err).toBeInstanceOf(ReplicaCallError);
    expect([err.retryable, err.refused]).toEqual([true, false]);
    expect(r.state).toBe("ready");
  });

  it("does not open its Session again once its process has died", async () => {
    const address = `unix:${join(dir, `noreopen-${n++}.sock`)}`;
    const r = replica({ run: "exec sleep 30" }, address);
    r.spawn();
    const w = await bare({ address });
    await r.start();
    await echoUntilServed(r, 0);
    expect(w.streams.length).toBe(1);
    process.kill(r.pid!, "SIGKILL");
    await until(() => r.state === "dead");
    // a reopened stream would reach this server (it still serves the socket) well within this
    await new Promise((res) => setTimeout(res, 300));
    expect(w.streams.length).toBe(1);
  });

  it("keeps no descriptor of its log open: the process has its own", async () => {
    const r = replica({ run: "exec sleep 30" }, `unix:${join(dir, `fd-${n++}.sock`)}`);
    r.spawn();
    const logs = readdirSync("/proc/self/fd").flatMap((fd) => {
      try {
        return [readlinkSync(`/proc/self/fd/${fd}`)];
      } catch {
        return [];
      }
    });
    expect(logs.filter((l) => l === r.place.logPath)).toEqual([]);
  });

  it("fails a call its live worker answered with an error at once, without waiting for an exit", async () => {
    const address = `unix:${join(dir, `answers-${n++}.sock`)}`;
    const r = replica({ run: "exec sleep 30" }, address);
    r.spawn();
    await bare({ address });
    await r.start();
    const t0 = Date.now();
    const err = (await r.call("fail", 1, opts()).catch((e: unknown) => e)) as ReplicaCallError;
    expect(err.message).toBe("it failed");
    // a call whose stream broke waits up to 250 ms for the exit; an answer needs no wait
    expect(Date.now() - t0).toBeLessThan(200);
  });

  it("kills what its process left in its group when it dies on its own", async () => {
    const r = replica({ run: "sleep 30 & exec sleep 31" }, `unix:${join(dir, `orphan-${n++}.sock`)}`);
    r.spawn();
    const pid = r.pid!;
    process.kill(pid, "SIGKILL");
    await until(() => r.state === "dead");
    await until(() => !groupLive(pid));
  });

  it("fails a start it could not spawn with `could not start: ...`", async () => {
    const r = new Replica({ name: "nowhere", replicas: 1, env: {}, loc, run: "exec sleep 30" }, 0, {
      address: `unix:${join(dir, `nowhere-${n++}.sock`)}`,
      logPath: join(dir, `r-${n++}.log`),
      cwd: join(dir, "no-such-dir"),
      env: {},
      startTimeoutMs: 2_000,
    });
    replicas.push(r);
    const err = (await r.start().catch((e: unknown) => e)) as Error;
    expect(err.name).toBe("WorkerStartError");
    expect(err.message).toMatch(/^worker `nowhere` replica 0: exited before it was ready \(could not start: spawn \/bin\/sh ENOENT\)/);
  });
});

describe("stop(graceMs)", () => {
  it("lets calls in flight on a live replica be answered within the first half of the grace", async () => {
    const socket = join(dir, `settle-${n++}.sock`);
    const address = `unix:${socket}`;
    const r = replica({ run: "exec sleep 30" }, address);
    r.spawn();
    const w = await bare({ address });
    await r.start();
    const pending = r.call("late", 1, opts());
    await until(() => w.received.some((m) => m.start));
    await r.stop(2_000);
    expect(await pending).toBe("late");
    expect(r.state).toBe("stopped");
  });

  it("gives calls that are never answered only the first half of the grace, and returns within it", async () => {
    const socket = join(dir, `unanswered-${n++}.sock`);
    const address = `unix:${socket}`;
    const r = replica({ run: "exec sleep 30" }, address);
    r.spawn();
    const w = await bare({ address });
    await r.start();
    const pending = r.call("hang", 1, opts()).catch((e: unknown) => e);
    await until(() => w.received.some((m) => m.start));
    const t0 = Date.now();
    await r.stop(1_200);
    const took = Date.now() - t0;
    expect(await pending).toBeInstanceOf(Error);
    // half of it waited for the call (generous margins: the machine may be loaded)
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(1_200);
  });

  it("does not wait for calls on a replica that was not ready", async () => {
    const socket = join(dir, `unready-${n++}.sock`);
    const address = `unix:${socket}`;
    const r = replica({ run: "exec sleep 30" }, address);
    r.spawn();
    const w = await bare({ address });
    await r.start();
    const pending = r.call("late", 1, opts()).catch((e: unknown) => e);
    await until(() => w.received.some((m) => m.start));
    r.state = "unreachable";
    await r.stop(2_000);
    // not answered: cut off with the stream (and the process) at once
    expect(await pending).toBeInstanceOf(Error);
  });

  it("gives a worker that handles SIGTERM the grace to finish, and SIGKILLs one that ignores it at the end", async () => {
    const log = join(dir, `term-${n++}.txt`);
    const polite = replica({ run: `trap 'sleep 0.3; echo finished > ${log}; exit 0' TERM; sleep 30 & wait` }, `unix:${join(dir, `p-${n++}.sock`)}`);
    polite.spawn();
    await new Promise((res) => setTimeout(res, 100));
    await polite.stop(2_500);
    expect(existsSync(log)).toBe(true);
    const stubborn = replica({ run: "trap '' TERM; sleep 30" }, `unix:${join(dir, `s-${n++}.sock`)}`);
    stubborn.spawn();
    const pid = stubborn.pid!;
    await new Promise((res) => setTimeout(res, 100));
    const t0 = Date.now();
    await stubborn.stop(300);
    expect(groupLive(pid)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });
});

describe("starting an attached replica", () => {
  it("waits while its worker's health says NOT_SERVING, and is ready once it says SERVING", async () => {
    const t0 = Date.now();
    const w = await bare({ health: () => (Date.now() - t0 < 300 ? "NOT_SERVING" : "SERVING") });
    const r = replica({ at: [w.address] }, w.address);
    await r.start();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(r.state).toBe("ready");
  });

  it("fails its start when stopped before it was ready, at once", async () => {
    const address = `unix:${join(dir, `never-${n++}.sock`)}`;
    const r = replica({ at: [address] }, address, 5_000);
    const starting = r.start().then(
      () => new Error("started"),
      (e: unknown) => e as Error,
    );
    await new Promise((res) => setTimeout(res, 100));
    const t0 = Date.now();
    await r.stop(50);
    const err = await starting;
    expect(err.message).toMatch(/^worker `bare` replica 0: stopped before it was ready/);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it("gives up past its start timeout, naming the address and the last error", async () => {
    const address = `unix:${join(dir, `nobody-${n++}.sock`)}`;
    const r = replica({ at: [address] }, address, 300);
    const err = (await r.start().catch((e: unknown) => e)) as Error;
    expect(err.name).toBe("WorkerStartError");
    expect(err.message).toMatch(new RegExp(`^worker \`bare\` replica 0: not healthy after 300 ms at ${address}: \\S`));
    // the last error is kept as the cause, for a caller that wants its gRPC code
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.message).toContain((err.cause as Error).message);
    // a call that does not wait says why (grpc-js's words), not waitForReady's bare "deadline passed"
    expect(err.message).toMatch(/: health: No connection established/);
  });

  it("waits for a worker that comes up after its first connection attempt failed", async () => {
    const address = `unix:${join(dir, `late-${n++}.sock`)}`;
    const r = replica({ at: [address] }, address, 10_000);
    const starting = r.start();
    // past the first wait for a connection (500 ms at most)
    await new Promise((res) => setTimeout(res, 700));
    await bare({ address });
    await starting;
    expect(r.state).toBe("ready");
    expect(await r.call("echo", 1, opts())).toEqual({ echoed: 1, method: "echo" });
  });

  /** A worker serving health and Invoke, whose Describe fails with `describeCode` (or is not implemented). */
  async function noDescribe(describeCode?: grpcJs.status): Promise<string> {
    const address = `unix:${join(dir, `nodesc-${n++}.sock`)}`;
    const protos = loadProtos();
    const server = new grpcJs.Server();
    server.addService(protos.health, { Check: (_c: unknown, cb: grpcJs.sendUnaryData<unknown>) => cb(null, { status: "SERVING" }) });
    server.addService(protos.worker, {
      Invoke: (call: grpcJs.ServerUnaryCall<{ method: string; input: { json: string } }, unknown>, cb: grpcJs.sendUnaryData<unknown>) =>
        cb(null, { result: { json: JSON.stringify({ echoed: JSON.parse(call.request.input.json), method: call.request.method }) } }),
      ...(describeCode === undefined
        ? {}
        : { Describe: (_c: unknown, cb: grpcJs.sendUnaryData<unknown>) => cb({ code: describeCode, details: "describe broke" }) }),
    });
    await new Promise<void>((res, rej) => server.bindAsync(address, grpcJs.ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
    servers.push(server);
    return address;
  }

  it("serves over Invoke a worker that does not implement Describe", async () => {
    const address = await noDescribe();
    const r = replica({ at: [address] }, address);
    await r.start();
    expect(r.state).toBe("ready");
    expect(r.describe).toBeUndefined();
    expect(r.capacity).toBe(Infinity);
    expect(await r.call("echo", 5, opts())).toEqual({ echoed: 5, method: "echo" });
  });

  it("fails to start a worker whose Describe fails otherwise", async () => {
    const address = await noDescribe(grpcJs.status.INTERNAL);
    const r = replica({ at: [address] }, address);
    const err = (await r.start().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/describe broke/);
    expect(r.state).not.toBe("ready");
  });
});
