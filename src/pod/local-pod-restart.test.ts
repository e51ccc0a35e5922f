/**
 * LocalPod, driven in-process with the probe worker: a replica that dies is restarted
 * within its budget and its calls fail retryable, naming worker and replica; a pod that
 * cannot start says which worker, which replica and why, and leaves no process behind.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROBE, call, flow, fresh, podOptions as options, processesWith, until } from "../../test/support/local-pod.js";
import { groupLive } from "../process/process-group.js";
import { ReplicaCrashedError, WorkerStartError, WorkerUnavailableError } from "./errors.js";
import { LocalPod, type PodOptions } from "./local-pod.js";

const dir = mkdtempSync(join(tmpdir(), "qb-pod-restart-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const podOptions = (extra: Partial<PodOptions> = {}) => options(dir, extra);

describe("a replica that dies", () => {
  it("fails its calls retryable, naming worker and replica, is restarted, and is given up after its restarts", async () => {
    const events: string[] = [];
    const o = podOptions({ maxRestarts: 1, onReplicaEvent: (e) => events.push(`${e.worker} ${e.replica} ${e.kind} ${e.detail}`) });
    const pod = await LocalPod.start(flow([{ name: "p", run: PROBE }]), o);
    try {
      const [pid] = pod.pids();
      const err = (await call(pod, "p", "exitSoon", { id: 1 }).catch((e: unknown) => e)) as ReplicaCrashedError;
      expect(err).toBeInstanceOf(ReplicaCrashedError);
      expect([err.worker, err.replica, err.exit, err.retryable]).toEqual(["p", 0, "exit code 5", true]);
      expect(err.message).toMatch(/^replica 0 of worker `p` died \(exit code 5\)/);
      expect(err.logTail).toContain("QB_LISTENING");
      // a call made while it is down waits for the new one
      const meanwhile = call(pod, "p", "echo", "after");
      expect(await meanwhile).toBe("after");
      expect(events).toEqual(["p 0 died exit code 5", "p 0 restarted attempt 1"]);
      const [pid2] = pod.pids();
      expect(pid2).not.toBe(pid);
      expect(groupLive(pid!)).toBe(false);
      expect(pod.replicaInfo()[0]!.pid).toBe(pid2);

      const err2 = (await call(pod, "p", "exitSoon", { id: 2 }).catch((e: unknown) => e)) as ReplicaCrashedError;
      expect(err2).toBeInstanceOf(ReplicaCrashedError);
      // its log tail is the new process's own
      expect(err2.logTail.match(/QB_LISTENING/g)?.length).toBe(1);
      await until(() => events.length === 4);
      expect(events.slice(2)).toEqual(["p 0 died exit code 5", "p 0 gave-up restarted 1 times"]);
      const gone = await call(pod, "p", "echo", 1).catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(WorkerUnavailableError);
      expect((gone as Error).message).toBe("worker `p` has no live replica: every replica died and used up its restarts");
    } finally {
      await pod.close();
    }
  });

  it("is restarted and given up the same with no one listening to replica events", async () => {
    const pod = await LocalPod.start(flow([{ name: "p", run: PROBE }]), podOptions({ maxRestarts: 1 }));
    try {
      await expect(call(pod, "p", "exitSoon", { id: 1 })).rejects.toBeInstanceOf(ReplicaCrashedError);
      expect(await call(pod, "p", "echo", "after")).toBe("after");
      await expect(call(pod, "p", "exitSoon", { id: 2 })).rejects.toBeInstanceOf(ReplicaCrashedError);
      await expect(call(pod, "p", "echo", 1)).rejects.toBeInstanceOf(WorkerUnavailableError);
    } finally {
      await pod.close();
    }
  });

  it("a restart that fails to start counts against the budget, and calls waiting for it fail when it is used up", async () => {
    const events: string[] = [];
    const o = podOptions({ maxRestarts: 2, onReplicaEvent: (e) => events.push(`${e.kind} ${e.detail}`) });
    const marker = join(dir, `started-${fresh()}`);
    // starts once; every later start exits at once
    const run = `if [ -e ${marker} ]; then echo second start; exit 7; fi; touch ${marker}; exec ${PROBE}`;
    const pod = await LocalPod.start(flow([{ name: "p", run }]), o);
    try {
      const err = await call(pod, "p", "exitSoon", { id: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReplicaCrashedError);
      const waiting = await call(pod, "p", "echo", 1).catch((e: unknown) => e);
      expect(waiting).toBeInstanceOf(WorkerUnavailableError);
      expect(events).toEqual([
        "died exit code 5",
        "died restart 1 failed: worker `p` replica 0: exited before it was ready (exit code 7)",
        "died restart 2 failed: worker `p` replica 0: exited before it was ready (exit code 7)",
        "gave-up restarted 2 times",
      ]);
      expect(pod.replicaList("p")[0]!.state).toBe("dead");
    } finally {
      await pod.close();
    }
  });
});

describe("a pod that fails to start", () => {
  it("says which worker and replica, and why, when its command does not exist", async () => {
    const err = (await LocalPod.start(flow([{ name: "ghost", run: "qb-no-such-command-here --x" }]), podOptions()).catch(
      (e: unknown) => e,
    )) as WorkerStartError;
    expect(err).toBeInstanceOf(WorkerStartError);
    expect([err.worker, err.replica]).toEqual(["ghost", 0]);
    expect(err.message).toMatch(/^worker `ghost` replica 0: exited before it was ready \(exit code 127\)/);
    expect(err.logTail).toMatch(/qb-no-such-command-here.*not found/);
  });

  it("ends a worker that never listens within startTimeoutMs: every replica's process is gone when start() fails", async () => {
    const o = podOptions({ startTimeoutMs: 600 });
    const t0 = Date.now();
    const err = (await LocalPod.start(flow([{ name: "mute", run: "exec sleep 37.125", replicas: 2 }]), o).catch((e: unknown) => e)) as WorkerStartError;
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(err).toBeInstanceOf(WorkerStartError);
    expect(err.message).toMatch(
      new RegExp(
        `^worker \`mute\` replica ([01]): did not listen on unix:${join(o.socketDir, "mute-")}\\1\\.sock \\(nor announce QB_LISTENING\\) within 600 ms$`,
      ),
    );
    // both were spawned, and start() ended them before it threw
    expect(processesWith("37.125")).toEqual([]);
    expect(existsSync(o.socketDir)).toBe(false);
  });

  it("says an attached worker is not healthy at its address", async () => {
    const address = `unix:${join(dir, "nobody-listens.sock")}`;
    const err = (await LocalPod.start(flow([{ name: "far", at: [address] }]), podOptions({ startTimeoutMs: 300 })).catch(
      (e: unknown) => e,
    )) as WorkerStartError;
    expect(err).toBeInstanceOf(WorkerStartError);
    expect(err.message).toMatch(new RegExp(`^worker \`far\` replica 0: not healthy after 300 ms at ${address}`));
  });
});
