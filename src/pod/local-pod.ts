import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { FlowIR, Json, WorkerIR } from "../ir/types.js";
import type { CallAbout, CallRequest, Dispatcher, HeldHandle, HeldRequest } from "../runtime/dispatcher.js";
import type { DescribeResponseMsg } from "../proto/messages.js";
import { forgetDir, reapDir } from "../process/reaper.js";
import { WorkerUnavailableError } from "./errors.js";
import { SlotQueue } from "./slot-queue.js";
import { Replica } from "./replica.js";
import type { AttachTarget } from "./attach.js";
import type { TransportAuth } from "../proto/transport-auth.js";
import { withHugePages } from "../process/huge-pages.js";

/** The quarterback's TLS and token settings are not its spawned workers' (docs/remote-workers.md). */
const NO_AUTH_ENV = { QB_TLS_CA: "", QB_TLS_CERT: "", QB_TLS_KEY: "", QB_TOKEN_FILE: "", QB_HEALTH_LISTEN: "" } as const;

export interface PodOptions {
  /** Per-replica logs go to `<runDir>/logs/<worker>-<n>.log`. */
  runDir: string;
  /** The land directory, given to workers as QB_LAND. */
  land: string;
  /** Working directory of worker commands. */
  cwd: string;
  /** Short directory for unix sockets (paths are limited to ~100 bytes). */
  socketDir: string;
  /** The quarterback's callback address, given to workers as QB_CALLBACK. */
  callbackAddress?: string;
  /** TLS and token for attached workers (spawned ones are dialled on unix sockets, without). */
  auth?: TransportAuth | undefined;
  /** Attached workers' replicas, as resolveAttached found them; else each `at` address as written. */
  attach?: Map<string, AttachTarget[]>;
  startTimeoutMs?: number;
  /** Batched Session frames with workers that offer them (default true; false measures the unbatched protocol). */
  sessionBatches?: boolean;
  /** Restarts allowed per replica after a crash (default 3). */
  maxRestarts?: number;
  /** Told when a replica dies and when it is back. */
  onReplicaEvent?: (e: { worker: string; replica: number; kind: "died" | "restarted" | "gave-up" | "unreachable" | "reconnected"; detail: string }) => void;
}

/**
 * The local pod: every worker's replicas as local processes on unix sockets (or attached
 * at their addresses). Dispatches each call to the least-loaded ready replica, restarts
 * replicas that die, and tears everything down on close.
 */
export class LocalPod implements Dispatcher {
  private readonly replicas = new Map<string, Replica[]>();
  private readonly restarts = new Map<Replica, number>();
  /** Calls waiting for a free slot, per worker. */
  private readonly queues = new Map<string, SlotQueue>();
  private closing = false;

  private constructor(
    private readonly ir: FlowIR,
    private readonly options: PodOptions,
  ) {}

  /** Starts (or attaches) every worker the flow calls and waits until all are healthy. */
  static async start(ir: FlowIR, options: PodOptions): Promise<LocalPod> {
    const pod = LocalPod.launch(ir, options);
    try {
      await pod.whenReady();
    } catch (err) {
      await pod.close();
      throw err;
    }
    return pod;
  }

  /**
   * Spawns the process of every replica of every worker the flow calls, at once and
   * without waiting: the workers start up while the caller goes on (loading grpc-js,
   * opening the pond...). `whenReady()` then waits for them; `close()` ends them in any case.
   */
  static launch(ir: FlowIR, options: PodOptions): LocalPod {
    const pod = new LocalPod(ir, options);
    mkdirSync(join(options.runDir, "logs"), { recursive: true });
    mkdirSync(options.socketDir, { recursive: true });
    // removed even if the quarterback is killed before close()
    reapDir(options.socketDir);
    const used = new Set(ir.steps.flatMap((s) => s.stages.flatMap((st) => (st.kind === "call" || st.kind === "reduce" ? [st.worker] : []))));
    for (const w of ir.workers)
      if (used.has(w.name))
        pod.replicas.set(
          w.name,
          Array.from({ length: w.at ? pod.targets(w).length : w.replicas }, (_, i) => pod.makeReplica(w, i)),
        );
    try {
      for (const r of [...pod.replicas.values()].flat()) r.spawn();
    } catch (err) {
      // those already spawned get their SIGTERM now; the caller never sees this pod
      void pod.close();
      throw err;
    }
    return pod;
  }

  /** Resolves when every replica is healthy; rejects with the first that is not. */
  async whenReady(): Promise<void> {
    await Promise.all([...this.replicas.values()].flat().map((r) => r.start()));
  }

  private targets(w: WorkerIR): AttachTarget[] {
    return this.options.attach?.get(w.name) ?? (w.at ?? []).map((address) => ({ address }));
  }

  private makeReplica(w: WorkerIR, index: number): Replica {
    const target = w.at ? this.targets(w)[index]! : undefined;
    const address = target?.address ?? `unix:${join(this.options.socketDir, `${w.name}-${index}.sock`)}`;
    const env: Record<string, string> = {
      ...w.env,
      // bulk data at memory speed: huge pages for what malloc maps (process/huge-pages.ts)
      GLIBC_TUNABLES: withHugePages(w.env.GLIBC_TUNABLES ?? process.env.GLIBC_TUNABLES),
      QB_LISTEN: address,
      QB_LAND: this.options.land,
      QB_WORKER_NAME: w.name,
      QB_REPLICA: String(index),
      // a spawned worker listens on its unix socket and reports to the quarterback's: without
      // TLS or token, whatever the quarterback's own environment says (blank is unset)
      ...NO_AUTH_ENV,
    };
    if (this.options.callbackAddress) env.QB_CALLBACK = this.options.callbackAddress;
    const r = new Replica(w, index, {
      address,
      env,
      cwd: this.options.cwd,
      logPath: join(this.options.runDir, "logs", `${w.name}-${index}.log`),
      startTimeoutMs: this.options.startTimeoutMs ?? 15_000,
      land: this.options.land,
      sessionBatches: this.options.sessionBatches,
      ...(target ? { auth: this.options.auth, serverName: target.serverName } : {}),
    });
    r.onReachability = (replica, kind, detail) => {
      this.options.onReplicaEvent?.({ worker: w.name, replica: replica.index, kind, detail });
      // calls waiting for a replica look again: one is back, or the last one is gone
      this.wake(w.name);
    };
    r.onExit = (replica, exit) => void this.replace(replica, exit);
    r.onCallEnded = (replica) => {
      // a slot is free: one call waiting for this worker may go
      this.queues.get(replica.worker.name)?.wakeOne();
    };
    return r;
  }

  /** A replica died: start another in its place, within the restart budget. */
  private async replace(dead: Replica, exit: string): Promise<void> {
    // a replica that dies before it was ever ready fails the pod's start (whenReady says
    // why); a restart that fails to start is handled by the loop below
    if (this.closing || !dead.wasReady) return;
    const w = dead.worker;
    const list = this.replicas.get(w.name)!;
    const max = this.options.maxRestarts ?? 3;
    let used = this.restarts.get(dead) ?? 0;
    this.options.onReplicaEvent?.({ worker: w.name, replica: dead.index, kind: "died", detail: exit });
    for (;;) {
      if (used >= max) {
        this.options.onReplicaEvent?.({ worker: w.name, replica: dead.index, kind: "gave-up", detail: `restarted ${used} times` });
        break;
      }
      if (dead.place.address.startsWith("unix:")) rmSync(dead.place.address.slice(5), { force: true });
      const fresh = this.makeReplica(w, dead.index);
      this.restarts.set(fresh, ++used);
      list[dead.index] = fresh;
      try {
        await fresh.start();
        if (this.closing) return void fresh.stop();
        this.options.onReplicaEvent?.({ worker: w.name, replica: dead.index, kind: "restarted", detail: `attempt ${used}` });
        break;
      } catch (err) {
        if (this.closing) return;
        this.options.onReplicaEvent?.({
          worker: w.name,
          replica: dead.index,
          kind: "died",
          detail: `restart ${used} failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
        });
        await fresh.stop();
        // a replica that could not be brought back counts as dead, for pick()
        fresh.state = "dead";
      }
    }
    this.wake(w.name);
  }

  private queue(worker: string): SlotQueue {
    let q = this.queues.get(worker);
    if (!q) this.queues.set(worker, (q = new SlotQueue()));
    return q;
  }

  private wake(worker: string): void {
    this.queues.get(worker)?.wakeAll();
  }

  /** What each worker said about itself (from replica 0). */
  described(): Map<string, DescribeResponseMsg> {
    const out = new Map<string, DescribeResponseMsg>();
    for (const [name, list] of this.replicas) if (list[0]?.describe) out.set(name, list[0].describe);
    return out;
  }

  /** Every replica: where it listens and its process, if local. */
  replicaInfo(): Array<{ worker: string; replica: number; pid: number | null; address: string }> {
    return [...this.replicas.values()].flat().map((r) => ({ worker: r.worker.name, replica: r.index, pid: r.pid ?? null, address: r.address }));
  }

  /** PIDs of every replica process, for tests and for `--json`. */
  pids(): number[] {
    return [...this.replicas.values()].flat().flatMap((r) => (r.pid === undefined ? [] : [r.pid]));
  }

  replicaList(worker: string): readonly Replica[] {
    return this.replicas.get(worker) ?? [];
  }

  defaultParallel(worker: string): number {
    const list = this.replicas.get(worker) ?? [];
    const per = Math.min(32, Math.max(1, list[0]?.describe?.maxConcurrentCalls || 8));
    return Math.max(1, list.length * per);
  }

  private async pick(worker: string, signal: AbortSignal): Promise<Replica> {
    for (;;) {
      const list = this.replicas.get(worker);
      if (!list) throw new WorkerUnavailableError(worker, "it is not part of this pod");
      const best = this.ready(worker);
      if (best) return best;
      // dead for good: restarts used up, or attached (nothing to restart)
      if (list.every((r) => r.state === "dead" && (r.worker.run === undefined || (this.restarts.get(r) ?? 0) >= (this.options.maxRestarts ?? 3)))) {
        throw new WorkerUnavailableError(
          worker,
          list[0]?.worker.run === undefined
            ? "no attached replica has answered for longer than the start timeout"
            : "every replica died and used up its restarts",
        );
      }
      if (this.closing) throw new WorkerUnavailableError(worker, "the pod is shutting down");
      await this.queue(worker).wait(signal);
    }
  }

  /**
   * The least-loaded ready replica with a free slot, if any (the common case: no waiting,
   * no promise). A call beyond every replica's declared capacity waits for a slot rather
   * than being refused by the worker.
   */
  private ready(worker: string): Replica | undefined {
    let best: Replica | undefined;
    for (const r of this.replicas.get(worker) ?? []) if (r.state === "ready" && r.inFlight < r.capacity && (!best || r.inFlight < best.inFlight)) best = r;
    return best;
  }

  readonly reportsPlacement = true;

  call(req: CallRequest): Promise<Json> {
    const now = this.ready(req.worker);
    // the request is the replica's options as it is (step, attempt, deadline, signal, progress, ran)
    if (now) {
      req.placed?.(now.index);
      return now.call(req.method, req.input, req);
    }
    return this.pick(req.worker, req.signal).then((replica) => {
      req.placed?.(replica.index);
      return replica.call(req.method, req.input, req);
    });
  }

  async hold(req: HeldRequest): Promise<HeldHandle> {
    const replica = this.ready(req.worker) ?? (await this.pick(req.worker, req.signal));
    return replica.hold(req.method, req.input, {
      step: req.step,
      attempt: req.attempt,
      timeoutMs: null,
      signal: req.signal,
      onYield: req.onYield,
      onAwaiting: req.onAwaiting,
      progress: req.progress,
    });
  }

  about(worker: string, replica: number, callId: string): CallAbout | undefined {
    return this.replicas.get(worker)?.[replica]?.about(callId);
  }

  /**
   * A progress report a worker sent the callback service about its Invoke call `callId`
   * (progress over a Session stream goes to its call directly).
   */
  progress(worker: string, replica: number, callId: string, fraction: number, message: string): void {
    this.replicas.get(worker)?.[replica]?.progress(callId, fraction, message);
  }

  /** The log file of `worker`'s replica `replica` (its process's stdout and stderr), if the pod has that replica. */
  logPath(worker: string, replica: number): string | undefined {
    return this.replicas.get(worker)?.[replica]?.place.logPath;
  }

  /**
   * Ends every replica: SIGTERM, then SIGKILL to what is left after `graceMs` (default 2 s;
   * a cancelled run passes less, since it must end within a second even when a worker
   * busy on the CPU cannot handle its SIGTERM).
   */
  async close(graceMs?: number): Promise<void> {
    this.closing = true;
    for (const q of this.queues.values()) q.wakeAll();
    await Promise.all([...this.replicas.values()].flat().map((r) => r.stop(graceMs)));
    rmSync(this.options.socketDir, { recursive: true, force: true });
    forgetDir(this.options.socketDir);
  }
}
