/**
 * LocalPod, driven in-process with real worker processes: the probe worker
 * (test/workers/probe.ts), the one-slot worker and the no-op benchmark worker. Placement
 * on the least-loaded replica, waiting for a free slot, what the pod tells about its
 * replicas, held calls, and teardown. Restarts and failed starts: local-pod-restart.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Json } from "../ir/types.js";
import { NOOP, ONE_SLOT, PROBE, call, flow, podOptions as options, probeLog, processesWith, until } from "../../test/support/local-pod.js";
import { groupLive } from "../process/process-group.js";
import { WorkerUnavailableError } from "./errors.js";
import { LocalPod, type PodOptions } from "./local-pod.js";

const dir = mkdtempSync(join(tmpdir(), "qb-pod-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const podOptions = (extra: Partial<PodOptions> = {}) => options(dir, extra);

describe("a pod of two probe replicas", () => {
  it("describes them, places parallel calls on the least-loaded one, and ends every process on close", async () => {
    const o = podOptions();
    const pod = await LocalPod.start(flow([{ name: "p", run: PROBE, replicas: 2, env: { PROBE_VERSION: "7.7.7" } }]), o);
    let pids: number[] = [];
    try {
      const d = pod.described().get("p")!;
      expect(d.name).toBe("probe");
      // the worker's env reaches its process
      expect(d.version).toBe("7.7.7");
      expect(d.session).toBe(true);
      expect(d.methods.map((m) => m.name)).toContain("sleep");
      expect([...pod.described().keys()]).toEqual(["p"]);

      const info = pod.replicaInfo();
      pids = pod.pids();
      expect(pids.length).toBe(2);
      expect(new Set(pids).size).toBe(2);
      expect(info).toEqual([
        { worker: "p", replica: 0, pid: pids[0], address: `unix:${join(o.socketDir, "p-0.sock")}` },
        { worker: "p", replica: 1, pid: pids[1], address: `unix:${join(o.socketDir, "p-1.sock")}` },
      ]);
      for (const pid of pids) expect(groupLive(pid)).toBe(true);
      expect(pod.replicaList("p").length).toBe(2);
      expect(pod.replicaList("nope")).toEqual([]);
      // 64 slots each, counted up to 32 per replica
      expect(pod.defaultParallel("p")).toBe(64);
      expect(pod.defaultParallel("nope")).toBe(1);

      const placed: number[] = [];
      const calls = [0, 1, 2, 3].map((v) => call(pod, "p", "sleep", { ms: 300, v }, { placed: (r) => placed.push(r) }));
      expect(placed).toEqual([0, 1, 0, 1]);
      expect(pod.replicaList("p").map((r) => r.inFlight)).toEqual([2, 2]);
      expect(await Promise.all(calls)).toEqual([0, 1, 2, 3]);
      expect(pod.replicaList("p").map((r) => r.inFlight)).toEqual([0, 0]);
      // the calls ran in both processes
      const ran = new Set(
        probeLog(o.land)
          .filter((l) => l.startsWith("start sleep"))
          .map((l) => Number(l.split(" ").at(-1))),
      );
      expect([...ran].sort()).toEqual([...pids].sort());
      // a call to a worker not in the pod
      const err = await call(pod, "nope", "echo", 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerUnavailableError);
      expect((err as Error).message).toBe("worker `nope` has no live replica: it is not part of this pod");
    } finally {
      await pod.close();
    }
    for (const pid of pids) expect(groupLive(pid)).toBe(false);
    expect(existsSync(o.socketDir)).toBe(false);
  });

  it("tells about a call in flight by its replica and call id, and runs held calls with their signals", async () => {
    const o = podOptions();
    const pod = await LocalPod.start(flow([{ name: "p", run: PROBE }]), o);
    try {
      const pending = call(pod, "p", "sleep", { ms: 300, v: "x" }, { step: "st" });
      expect(pod.about("p", 0, "c1")).toEqual({ step: "st", method: "sleep", attempt: 1, input: { ms: 300, v: "x" } });
      expect(pod.about("p", 1, "c1")).toBeUndefined();
      expect(pod.about("q", 0, "c1")).toBeUndefined();
      expect(await pending).toBe("x");
      expect(pod.about("p", 0, "c1")).toBeUndefined();

      const yields: Array<[Json, number]> = [];
      const awaiting: Array<[string, number, number]> = [];
      const h = await pod.hold({
        step: "h",
        worker: "p",
        method: "rounds",
        input: { n: 2 },
        attempt: 1,
        signal: new AbortController().signal,
        onYield: (v, round) => void yields.push([v, round]),
        onAwaiting: (name, round, taken) => void awaiting.push([name, round, taken]),
      });
      expect(h.replica).toBe(0);
      expect(pod.replicaList("p")[0]!.inFlight).toBe(1);
      await until(() => awaiting.length === 1);
      expect(awaiting[0]![0]).toBe("go");
      h.signal("go", 1);
      await until(() => yields.length === 1 && awaiting.length === 2);
      h.signal("go", 2);
      await h.result;
      expect(yields.map(([v]) => v)).toEqual([0, 1]);
      expect(pod.replicaList("p")[0]!.inFlight).toBe(0);

      // a held call whose signal is aborted is cancelled on the worker
      const ac = new AbortController();
      const stalled: Json[] = [];
      const s = await pod.hold({
        step: "h",
        worker: "p",
        method: "stall",
        input: { v: "held" },
        attempt: 1,
        signal: ac.signal,
        onYield: (v) => void stalled.push(v),
        onAwaiting: () => undefined,
      });
      await until(() => stalled.length === 1);
      expect(stalled).toEqual(["held"]);
      ac.abort(new Error("stop it"));
      await expect(s.result).rejects.toThrow();
      await until(() => probeLog(o.land).some((l) => l.startsWith('aborted stall "held"')));
      expect(pod.replicaList("p")[0]!.inFlight).toBe(0);
    } finally {
      await pod.close();
    }
  });
});

describe("slots", () => {
  it("a call beyond every replica's capacity waits for a slot, and goes when one is free", async () => {
    const pod = await LocalPod.start(flow([{ name: "one", run: ONE_SLOT }]), podOptions());
    try {
      expect(pod.defaultParallel("one")).toBe(1);
      const order: string[] = [];
      const first = call(pod, "one", "lingers", { ms: 300, v: "a" }, { placed: () => order.push("placed a") }).then((v) => (order.push("done a"), v));
      const second = call(pod, "one", "lingers", { ms: 300, v: "b" }, { placed: () => order.push("placed b") }).then((v) => (order.push("done b"), v));
      expect(order).toEqual(["placed a"]);
      expect(await first).toEqual({ v: "a", attempt: 1 });
      expect(await second).toEqual({ v: "b", attempt: 1 });
      expect(order).toEqual(["placed a", "done a", "placed b", "done b"]);

      // a waiting call whose signal aborts leaves without being placed
      const busy = call(pod, "one", "lingers", { ms: 300, v: "c" });
      const ac = new AbortController();
      let placed = false;
      const waiting = call(pod, "one", "lingers", { ms: 0, v: "d" }, { signal: ac.signal, placed: () => (placed = true) });
      ac.abort(new Error("no longer wanted"));
      await expect(waiting).rejects.toThrow("no longer wanted");
      expect(placed).toBe(false);
      await busy;

      // the worker itself refuses a call beyond its slots (the pod never sends one)
      const replica = pod.replicaList("one")[0]!;
      const o = { attempt: 1, timeoutMs: null, signal: new AbortController().signal };
      const held = replica.call("lingers", { ms: 300, v: "e" }, o);
      const refused = (await replica.call("lingers", { ms: 0, v: "f" }, o).catch((e: unknown) => e)) as { refused: boolean; retryable: boolean };
      expect(refused.refused).toBe(true);
      expect(refused.retryable).toBe(true);
      await held;
    } finally {
      await pod.close();
    }
  });

  it("close() fails calls waiting for a slot: the pod is shutting down", async () => {
    const pod = await LocalPod.start(flow([{ name: "one", run: ONE_SLOT }]), podOptions());
    const busy = call(pod, "one", "lingers", { ms: 2_000, v: 1 }).catch((e: unknown) => e);
    const waiting = call(pod, "one", "lingers", { ms: 0, v: 2 }).catch((e: unknown) => e);
    await pod.close(200);
    const err = await waiting;
    expect(err).toBeInstanceOf(WorkerUnavailableError);
    expect((err as Error).message).toBe("worker `one` has no live replica: the pod is shutting down");
    expect(await busy).toBeInstanceOf(Error);
  });

  it("counts at most 32 slots per replica, and 8 for a worker that declares none of its own", async () => {
    const pod = await LocalPod.start(flow([{ name: "noop", run: NOOP, replicas: 3 }]), podOptions());
    try {
      expect(pod.replicaList("noop")[0]!.capacity).toBe(4096);
      expect(pod.defaultParallel("noop")).toBe(96);
      expect(await call(pod, "noop", "noop", { a: [1] })).toEqual({ a: [1] });
      pod.replicaList("noop")[0]!.describe!.maxConcurrentCalls = 0;
      expect(pod.defaultParallel("noop")).toBe(24);
    } finally {
      await pod.close();
    }
  });
});

describe("the pod's processes", () => {
  it("starts only the workers the flow calls, dials the address a worker announces, and launches without waiting", async () => {
    const o = podOptions();
    const elsewhere = `unix:${join(o.socketDir, "elsewhere.sock")}`;
    const pod = LocalPod.launch(
      flow(
        [
          { name: "p", run: `QB_LISTEN=${elsewhere} exec ${PROBE}` },
          { name: "unused", run: "exec sleep 38.5" },
        ],
        ["p"],
      ),
      o,
    );
    try {
      expect(pod.pids().length).toBe(1);
      expect(pod.described().size).toBe(0);
      await pod.whenReady();
      expect(pod.replicaInfo()).toEqual([{ worker: "p", replica: 0, pid: pod.pids()[0], address: elsewhere }]);
      expect(await call(pod, "p", "echo", "via announcement")).toBe("via announcement");
      expect(processesWith("38.5")).toEqual([]);
    } finally {
      await pod.close();
    }
  });

  it("gives each worker glibc's huge pages, unless it has tunables of its own", async () => {
    const pod = await LocalPod.start(
      flow([
        { name: "a", run: `exec ${PROBE}` },
        { name: "b", run: `exec ${PROBE}`, env: { GLIBC_TUNABLES: "glibc.malloc.arena_max=2" } },
        { name: "c", run: `exec ${PROBE}`, env: { GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" } },
      ]),
      podOptions(),
    );
    try {
      const tunables = pod.pids().map((pid) => /(?:^|\0)GLIBC_TUNABLES=([^\0]*)/.exec(readFileSync(`/proc/${pid}/environ`, "utf8"))?.[1]);
      expect(tunables).toEqual(["glibc.malloc.hugetlb=1", "glibc.malloc.arena_max=2", "glibc.malloc.hugetlb=0"]);
    } finally {
      await pod.close();
    }
  });

  it("close(grace) kills a worker that ignores SIGTERM once the grace is over", async () => {
    const pod = await LocalPod.start(flow([{ name: "p", run: PROBE }]), podOptions());
    const [pid] = pod.pids();
    const busy = call(pod, "p", "spin", { ms: 5_000, v: 1 }).catch((e: unknown) => e);
    // the spin has begun: the worker's event loop is blocked
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await pod.close(300);
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(groupLive(pid!)).toBe(false);
    expect(await busy).toBeInstanceOf(Error);
  });
});
