/**
 * Attached replicas whose host goes away: the pod gives them no calls while they do not
 * answer, sends the calls to the replicas that do, counts one dead once it has not
 * answered for longer than the start timeout, and takes it back when it answers again.
 * The workers are bare grpc-js servers on loopback TCP ports that the test stops and starts.
 */
import type * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { oneMethodDescribe, serveBareWorker } from "../../test/support/bare-worker.js";
import { freePort } from "../../test/support/free-port.js";
import { call, flow, podOptions as options, until } from "../../test/support/local-pod.js";
import type { SessionInMsg, SessionOutMsg } from "../proto/messages.js";
import { WorkerUnavailableError } from "./errors.js";
import { LocalPod, type PodOptions } from "./local-pod.js";

const dir = mkdtempSync(join(tmpdir(), "qb-reattach-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const podOptions = (extra: Partial<PodOptions> = {}) => options(dir, extra);

const servers: grpc.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.forceShutdown();
});

/** A worker that echoes over Session, answering with its name, at `address` (default: a free loopback port). */
async function echoWorker(name: string, address?: string): Promise<{ address: string; server: grpc.Server }> {
  address ??= `127.0.0.1:${await freePort()}`;
  const server = await serveBareWorker(address, {
    describe: oneMethodDescribe("bare", "echo", { maxConcurrentCalls: 0, session: true, maxMessageBytes: 0 }),
    invoke: () => undefined,
    session: (s) => {
      s.on("error", () => undefined);
      s.on("data", (m: SessionInMsg) => {
        if (m.start) s.write({ callId: m.callId, result: { json: JSON.stringify(name) } } as SessionOutMsg);
      });
      s.on("end", () => s.end());
    },
  });
  servers.push(server);
  return { address, server };
}

/** `n` echo calls at once (spread over the ready replicas, least loaded first); the names that answered. */
function answers(pod: LocalPod, n: number): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => call(pod, "w", "echo", i) as Promise<string>));
}

describe("attached replicas whose worker goes away", () => {
  it("get no calls while they do not answer; the others take them; one that answers again is back", async () => {
    const a = await echoWorker("a");
    const b = await echoWorker("b");
    const events: string[] = [];
    const pod = await LocalPod.start(
      flow([{ name: "w", at: [a.address, b.address], replicas: 2 }]),
      podOptions({ startTimeoutMs: 60_000, onReplicaEvent: (e) => events.push(`${e.replica} ${e.kind}`) }),
    );
    try {
      expect(new Set(await answers(pod, 20))).toEqual(new Set(["a", "b"]));
      a.server.forceShutdown();
      await until(() => pod.replicaList("w")[0]!.state === "unreachable");
      expect(events).toEqual(["0 unreachable"]);
      // every call goes to b, none fails
      expect(new Set(await answers(pod, 20))).toEqual(new Set(["b"]));
      // a is back at its address
      await echoWorker("a2", a.address);
      await until(() => pod.replicaList("w")[0]!.state === "ready");
      expect(events).toEqual(["0 unreachable", "0 reconnected"]);
      expect(new Set(await answers(pod, 20))).toEqual(new Set(["a2", "b"]));
    } finally {
      await pod.close();
    }
  });

  it("are counted dead after the start timeout: calls fail once none answers, and wait while one may still", async () => {
    const a = await echoWorker("a");
    const events: string[] = [];
    const pod = await LocalPod.start(
      flow([{ name: "w", at: [a.address], replicas: 1 }]),
      podOptions({ startTimeoutMs: 400, onReplicaEvent: (e) => events.push(`${e.replica} ${e.kind} ${e.detail}`) }),
    );
    try {
      expect(await call(pod, "w", "echo", 1)).toBe("a");
      a.server.forceShutdown();
      await until(() => pod.replicaList("w")[0]!.state === "unreachable");
      // waits for it, as long as it may still answer
      const waiting = call(pod, "w", "echo", 2).catch((e: unknown) => e);
      await until(() => events.length === 2);
      expect(events[1]).toMatch(/^0 gave-up not answering at 127\.0\.0\.1:\d+ for \d+ ms: health: .*ECONNREFUSED/);
      const err = await waiting;
      expect(err).toBeInstanceOf(WorkerUnavailableError);
      expect((err as Error).message).toBe("worker `w` has no live replica: no attached replica has answered for longer than the start timeout");
      // it is still looked for: back at its address, it serves again
      await echoWorker("a2", a.address);
      await until(() => pod.replicaList("w")[0]!.state === "ready");
      expect(await call(pod, "w", "echo", 3)).toBe("a2");
    } finally {
      await pod.close();
    }
  });
});
