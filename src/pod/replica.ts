import type { ChildProcess } from "node:child_process";
import { closeSync, existsSync, fstatSync, openSync } from "node:fs";
import type { WorkerIR, Json } from "../ir/types.js";
import type { WorkerClient } from "../client/worker-client.js";
import type { SessionClient } from "../client/session-client.js";
import type { RequestOutcome } from "../client/session-request.js";
import {
  authFailureHint,
  GRPC_UNAVAILABLE,
  GRPC_UNIMPLEMENTED,
  isAuthFailure,
  MessageTooLargeError,
  RemoteCallError,
  TransportError,
} from "../client/errors.js";
import type { TransportAuth } from "../proto/transport-auth.js";
import type { DescribeResponseMsg } from "../proto/messages.js";
import type { Value } from "../common/values.js";
import { fromSpilled, toJson, toValue } from "./item-values.js";
import { Land } from "../land/land.js";
import type { LandRef } from "../land/ref.js";
import { isSpilledValue, readSpilledValue, spillValue } from "../land/spilled-value.js";
import { AnnouncementReader } from "./announcement.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../common/limits.js";
import { QUARTERBACK_MAX_MESSAGE_BYTES, type InputSpill } from "../client/message-limit.js";
import { ReplicaCallError, ReplicaCrashedError, WorkerStartError } from "./errors.js";
import { logTail } from "./log-tail.js";
import { awaitGroupGone, groupLive, killGroup, untrackGroup } from "../process/process-group.js";
import { spawnInGroup } from "../process/spawn-in-group.js";
import type { CallAbout, HeldHandle } from "../runtime/dispatcher.js";

/** Session breaks a replica may have within BREAK_WINDOW_MS before it counts as broken for good. */
const MAX_BREAKS = 3;
const BREAK_WINDOW_MS = 10_000;
/** How long an attached replica whose stream keeps breaking waits before it opens another. */
const REOPEN_DELAY_MS = 250;

export interface ReplicaPlace {
  /** Address to listen on (`unix:/...`), or the address of an attached replica. */
  address: string;
  /** Log file for the process's stdout and stderr. */
  logPath: string;
  cwd: string;
  env: Record<string, string>;
  startTimeoutMs: number;
  /** TLS and token for dialling an attached replica (spawned ones are dialled on their unix socket). */
  auth?: TransportAuth | undefined;
  /** The name an attached replica's certificate must carry, when its address was found by resolving it. */
  serverName?: string | undefined;
  /**
   * The pod's land, shared with the worker: values too big for a message cross it as
   * spilled values (land/spilled-value.ts). An attached worker must see the same folder
   * as its QB_LAND, as the containers of one Kubernetes pod do.
   */
  land?: string | undefined;
  /** Batched Session frames with a worker whose Describe offers them (default true; false for a benchmark's baseline). */
  sessionBatches?: boolean | undefined;
}

export interface CallOptions {
  /** The step asking, told back by `about`. */
  step?: string;
  attempt: number;
  timeoutMs: number | null;
  signal: AbortSignal;
  /** Told each progress report of the call (over Session, or through the callback service for Invoke). */
  progress?: ((fraction: number, message: string) => void) | undefined;
  /** Told how long the worker's method ran (ms, measured in the worker), when it says. */
  ran?: ((workerMs: number) => void) | undefined;
}

/**
 * One running copy of a worker: its process (unless attached), its gRPC client and its
 * Session stream. Calls go over the Session when the worker speaks it, else over Invoke.
 */
export class Replica {
  /**
   * `unreachable`: an attached replica whose connection broke, not given calls until a
   * health check answers again; `dead` once that lasted longer than its start timeout (it
   * is still looked for, and comes back to `ready` if it answers).
   */
  state: "starting" | "ready" | "unreachable" | "dead" | "stopped" = "starting";
  /** Where this process's lines begin in the replica's log. */
  private logFrom = 0;
  /** Whether it ever became ready: one that dies while starting is a failed start, not a crash to restart. */
  wasReady = false;
  inFlight = 0;
  describe: DescribeResponseMsg | undefined;
  process: ChildProcess | undefined;
  private client: WorkerClient | undefined;
  private session: SessionClient | undefined;
  /** When the Session stream broke lately (to tell a transient break from a worker that keeps failing). */
  // Stryker disable next-line ArrayDeclaration: a first entry that is not a time is filtered out at the first break (equivalent, docs/testing.md)
  private breaks: number[] = [];
  /** Where it is dialled: the address it was given, or the one it announced. */
  address: string;
  /** The largest answer accepted from this worker, in bytes of JSON. */
  private maxValueBytes: number | undefined;
  /** The land spilled values are read from (and written to, for a worker that reads them). */
  private readonly land: Land | undefined;
  /** Set when the worker reads spilled values (its Describe says so) and shares the land: big inputs go there. */
  private inputSpill: InputSpill | undefined;
  private exitInfo: string | undefined;
  /** Resolves once the process has exited (and its exit handler has run). */
  private exited: Promise<void> | undefined;
  /** Called when the process ends on its own. */
  onExit: ((replica: Replica, exit: string) => void) | undefined;
  /** Called when a call ends, freeing one of its slots. */
  onCallEnded: ((replica: Replica) => void) | undefined;
  /**
   * The progress callbacks of the Invoke calls in flight that have one, by the call id they
   * were given: a worker reports an Invoke's progress to the callback service (`progress`).
   */
  private readonly invokeProgress = new Map<string, (fraction: number, message: string) => void>();
  private nextInvoke = 1;
  /** Called when an attached replica becomes unreachable, answers again, or is counted dead. */
  onReachability: ((replica: Replica, kind: "unreachable" | "reconnected" | "gave-up", detail: string) => void) | undefined;

  constructor(
    readonly worker: WorkerIR,
    readonly index: number,
    readonly place: ReplicaPlace,
  ) {
    this.address = place.address;
    this.land = place.land === undefined ? undefined : new Land(place.land);
  }

  /** Calls it runs at once, as its Describe says; more would be refused (RESOURCE_EXHAUSTED). */
  get capacity(): number {
    return this.describe?.maxConcurrentCalls || Infinity;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /**
   * Starts the replica's process (unless attached). Synchronous and free of gRPC, so the
   * pod can spawn every worker before the quarterback itself has loaded grpc-js.
   */
  spawn(): void {
    if (this.process !== undefined || this.worker.run === undefined) return;
    this.state = "starting";
    this.exitInfo = undefined;
    this.spawnProcess(this.worker.run);
  }

  /** Spawns the process if not yet done, then waits until it is healthy and opens its Session. */
  async start(): Promise<void> {
    this.spawn();
    const deadline = Date.now() + this.place.startTimeoutMs;
    await this.untilListening(deadline);
    // grpc-js loads here, while the worker process is already starting up
    const { WorkerClient } = await import("../client/worker-client.js");
    this.throwIfEnded();
    this.client = new WorkerClient(this.address, { auth: this.place.auth, serverName: this.place.serverName });
    let lastError: unknown;
    let described: Promise<DescribeResponseMsg | undefined> | undefined;
    for (;;) {
      this.throwIfEnded();
      let connected = false;
      try {
        // Stryker disable next-line ArithmeticOperator: only how long one wait lasts before the loop looks again (equivalent, docs/testing.md)
        await this.client.waitForReady(Math.max(50, Math.min(500, deadline - Date.now())));
        connected = true;
        // Describe goes out with the health check, not after it: one round trip less to the first call
        const describing = this.describeOrNothing(this.client);
        if ((await this.client.health("", 2_000)) === "SERVING") {
          described = describing;
          break;
        }
      } catch (err) {
        // a connection that did not come up: one call that does not wait says why (grpc-js's last error)
        // (equivalent mutants, docs/testing.md: with no connection grpc-js fails the check
        // before any service is asked, so it never resolves)
        lastError = connected
          ? err
          : // Stryker disable next-line StringLiteral
            await this.client.health("", 250).then(
              // Stryker disable next-line ArrowFunction
              () => err,
              (e: unknown) => e,
            );
        // refused credentials or an untrusted certificate: waiting would not change that
        if (isAuthFailure(lastError))
          throw this.startError(`refused at ${this.address}: ${(lastError as Error).message}${authFailureHint(lastError)}`, lastError);
      }
      if (Date.now() > deadline) {
        throw this.startError(
          `not healthy after ${this.place.startTimeoutMs} ms at ${this.address}${lastError instanceof Error ? `: ${lastError.message}` : ""}`,
          lastError,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    this.describe = await described;
    this.throwIfEnded();
    // the smaller of the two sides' limits (a worker without Describe has the protocol's default)
    this.maxValueBytes = Math.min(this.describe?.maxMessageBytes || DEFAULT_MAX_MESSAGE_BYTES, QUARTERBACK_MAX_MESSAGE_BYTES);
    this.client.maxValueBytes = this.maxValueBytes;
    const land = this.land;
    // past its message limit, less room for the envelope
    if (this.describe?.readsSpilledValues === true && land !== undefined)
      this.inputSpill = { spill: (json) => spillValue(land, json), maxInlineBytes: this.maxValueBytes - 1024 };
    this.client.inputSpill = this.inputSpill;
    if (this.describe?.session) this.openSession();
    this.state = "ready";
    this.wasReady = true;
  }

  /**
   * Opens the replica's Session stream. A stream that breaks while the replica is ready (a
   * reset connection, a message over the limit) fails the calls on it, which their retries
   * send again; the stream is opened again at once, so the replica serves on. A stream that
   * keeps breaking (MAX_BREAKS within BREAK_WINDOW_MS) means the worker is unwell: its
   * process is killed, and the pod starts another (an attached one is given up as dead).
   */
  private openSession(): void {
    // Stryker disable next-line OptionalChaining: a Session is opened only once Describe answered (equivalent, docs/testing.md)
    const session = this.client!.session({ batches: this.describe?.sessionBatches === true && this.place.sessionBatches !== false });
    session.maxValueBytes = this.maxValueBytes;
    session.inputSpill = this.inputSpill;
    this.session = session;
    void session.closed.then((status) => {
      if (this.session !== session || this.state !== "ready") return;
      const now = Date.now();
      this.breaks = this.breaks.filter((t) => now - t < BREAK_WINDOW_MS);
      this.breaks.push(now);
      const pid = this.process?.pid;
      if (pid === undefined) {
        // attached: nothing to restart, and its host may be gone; no calls for it until it
        // answers a health check, and a stream that keeps breaking waits a moment first
        // Stryker disable next-line StringLiteral: grpc-js always gives a status text (equivalent, docs/testing.md)
        this.lostConnection(status.details || `the Session stream ended (${status.code})`, this.breaks.length <= MAX_BREAKS ? 0 : REOPEN_DELAY_MS);
        return;
      }
      if (this.breaks.length <= MAX_BREAKS) return this.openSession();
      this.state = "dead";
      killGroup(pid, "SIGKILL");
    });
  }

  /**
   * An attached replica lost its connection: it is `unreachable` (given no calls) until a
   * health check answers SERVING, then its Session is opened again and it is `ready`. The
   * checks go on with a backoff up to 1 s; past the start timeout it counts as `dead`, so
   * that a worker whose every replica is gone fails its calls instead of holding them.
   */
  private lostConnection(why: string, firstDelayMs: number): void {
    if (this.state !== "ready") return;
    this.state = "unreachable";
    this.onReachability?.(this, "unreachable", `${this.address}: ${why}`);
    void this.reconnect(firstDelayMs);
  }

  /** A method, so that the state read after an await is not narrowed by one read before it. */
  private stopped(): boolean {
    return this.state === "stopped";
  }

  private async reconnect(firstDelayMs: number): Promise<void> {
    const since = Date.now();
    let wait = firstDelayMs;
    let last: unknown;
    for (;;) {
      if (wait > 0) await new Promise((r) => setTimeout(r, wait).unref());
      if (this.stopped() || !this.client) return;
      try {
        if ((await this.client.health("", 1_000)) === "SERVING") break;
      } catch (err) {
        last = err;
      }
      if (this.state === "unreachable" && Date.now() - since > this.place.startTimeoutMs) {
        this.state = "dead";
        this.onReachability?.(
          this,
          "gave-up",
          `not answering at ${this.address} for ${Date.now() - since} ms${last instanceof Error ? `: ${last.message}` : ""}`,
        );
      }
      wait = Math.min(1_000, Math.max(25, wait * 2));
    }
    if (this.stopped()) return;
    if (this.describe?.session) this.openSession();
    this.state = "ready";
    this.onReachability?.(this, "reconnected", `answering again at ${this.address} after ${Date.now() - since} ms`);
  }

  /**
   * Describe is optional in the contract: a worker without it serves plain calls over
   * Invoke. A failure is read only once the worker turned out healthy.
   */
  private describeOrNothing(client: WorkerClient): Promise<DescribeResponseMsg | undefined> {
    const describing = client.describe().catch((err: unknown) => {
      if (err instanceof TransportError && err.grpcCode === GRPC_UNIMPLEMENTED) return undefined;
      throw err;
    });
    describing.catch(() => undefined);
    return describing;
  }

  private throwIfEnded(): void {
    if (this.exitInfo !== undefined) throw this.startError(`exited before it was ready (${this.exitInfo})`);
    if (this.state === "stopped") throw this.startError("stopped before it was ready");
  }

  /**
   * Waits until a spawned worker listens. It says where with `QB_LISTENING <address>` on its
   * stdout (its log here), which is the address to dial even when it is not the one it was
   * offered (a worker that picks a TCP port of its own). On a unix socket the socket file
   * appearing says the same sooner: looking for it every few ms costs nothing, while
   * connecting early would put grpc-js's reconnect backoff between the worker listening and
   * the first call.
   */
  private async untilListening(deadline: number): Promise<void> {
    if (this.worker.run === undefined) return;
    const offered = this.place.address;
    const socket = offered.startsWith("unix:") ? offered.slice("unix:".length) : undefined;
    const announcement = new AnnouncementReader(this.place.logPath, this.logFrom);
    for (;;) {
      if (socket !== undefined && existsSync(socket)) return;
      const announced = announcement.read();
      if (announced !== undefined) {
        this.address = announced;
        return;
      }
      this.throwIfEnded();
      if (Date.now() > deadline) throw this.startError(`did not listen on ${offered} (nor announce QB_LISTENING) within ${this.place.startTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private spawnProcess(command: string): void {
    const log = openSync(this.place.logPath, "a");
    // a restarted replica appends to its predecessor's log: its own lines start here
    this.logFrom = fstatSync(log).size;
    try {
      // a plain command replaces the shell (`exec`, after any VAR=value words), so signals reach the worker itself
      this.process = spawnInGroup(command, { cwd: this.place.cwd, env: { ...process.env, ...this.place.env }, stdio: ["ignore", log, log] }).child;
    } finally {
      closeSync(log);
    }
    const proc = this.process;
    proc.on("error", (err) => {
      this.exitInfo ??= `could not start: ${err.message}`;
    });
    proc.on("exit", (code, signal) => {
      // whatever the leader left in its group (a child it forked) dies with it
      if (proc.pid !== undefined && this.state !== "stopped") {
        killGroup(proc.pid, "SIGKILL");
        untrackGroup(proc.pid);
      }
      this.exitInfo = signal ? `killed by ${signal}` : `exit code ${code}`;
      const unexpected = this.state !== "stopped";
      if (unexpected) this.state = "dead";
      this.session?.cancel();
      if (unexpected) this.onExit?.(this, this.exitInfo);
    });
  }

  private exitWithin(ms: number): Promise<void> {
    const proc = this.process;
    // Stryker disable next-line LogicalOperator,ConditionalExpression: Node sets exitCode or signalCode in the tick it emits "exit" (equivalent, docs/testing.md)
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    // one listener for every call that waits (many fail at once when a replica dies)
    // Stryker disable next-line ArrowFunction,StringLiteral: the timer beside it ends the wait all the same (equivalent, docs/testing.md)
    this.exited ??= new Promise((resolve) => proc.once("exit", () => setImmediate(resolve)));
    let t: NodeJS.Timeout | undefined;
    return Promise.race([this.exited, new Promise<void>((resolve) => (t = setTimeout(resolve, ms)))]).finally(() => clearTimeout(t));
  }

  private startError(message: string, cause?: unknown): WorkerStartError {
    return new WorkerStartError(this.worker.name, this.index, message, logTail(this.place.logPath, 20, this.logFrom), { cause });
  }

  call(method: string, input: Json, options: CallOptions): Promise<Json> {
    this.inFlight++;
    if (this.session) {
      try {
        // the lean form: one record and one promise per call, cancelled through the signal,
        // settled through this replica's outcome where the answer arrives
        return this.session.dispatch(method, toValue(input, this.inputSpill !== undefined), options, this.outcome);
      } catch (err) {
        return this.callFailed(err);
      }
    }
    let result: Promise<Value>;
    try {
      result = this.invoke(method, input, options);
    } catch (err) {
      result = Promise.reject(err);
    }
    // no async frame per call: the handlers are made once per replica
    return result.then(this.callSucceeded, this.callFailed);
  }

  /**
   * A call over Invoke, with an id of its own (`i1`, `i2`, ...): the worker names it in the
   * progress it reports to the callback service, which `progress` routes to the call.
   */
  private invoke(method: string, input: Json, options: CallOptions): Promise<Value> {
    const callId = `i${this.nextInvoke++}`;
    const result = this.client!.invoke(method, toValue(input, this.inputSpill !== undefined), {
      callId,
      attempt: options.attempt,
      signal: options.signal,
      ...(options.timeoutMs !== null ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.ran ? { onWorkerMs: options.ran } : {}),
    });
    const progress = options.progress;
    if (progress === undefined) return result;
    this.invokeProgress.set(callId, progress);
    // reports that come after the answer are dropped
    const forget = (): void => void this.invokeProgress.delete(callId);
    result.then(forget, forget);
    return result;
  }

  /** A progress report of Invoke call `callId` (from the callback service); one about no call in flight is dropped. */
  progress(callId: string, fraction: number, message: string): void {
    this.invokeProgress.get(callId)?.(fraction, message);
  }

  /**
   * Starts a held call on this replica's Session; it holds one of its slots until it ends.
   * Its yields and waits come back through the callbacks; aborting `signal` cancels it.
   */
  hold(
    method: string,
    input: Json,
    options: CallOptions & { onYield(value: Json, round: number): void; onAwaiting(name: string, round: number, taken: number): void },
  ): HeldHandle {
    if (!this.session)
      throw new ReplicaCallError(this.index, false, { cause: new Error(`worker \`${this.worker.name}\` does not speak Session, which held calls need`) });
    this.inFlight++;
    // yields read from the land reach the step in order, each after the one before it
    let reading: Promise<void> | undefined;
    const call = this.session.start(method, toValue(input, this.inputSpill !== undefined), {
      attempt: options.attempt,
      // the quarterback times a held call between its events, not over its life
      timeoutMs: 0,
      onYield: (v, round) => {
        if (reading === undefined && !isSpilledValue(v)) return options.onYield(toJson(v), round);
        reading = (reading ?? Promise.resolve()).then(async () => options.onYield(isSpilledValue(v) ? await this.unspill(v) : toJson(v), round));
        reading.catch((err: unknown) => call.cancel(`a value it yielded could not be read: ${(err as Error).message}`));
      },
      onAwaiting: options.onAwaiting,
      ...(options.progress ? { onProgress: options.progress } : {}),
    });
    const cancel = (): void => call.cancel(options.signal.reason instanceof Error ? options.signal.reason.message : "cancelled");
    if (options.signal.aborted) cancel();
    // Stryker disable next-line BooleanLiteral,ObjectLiteral: "abort" fires once (equivalent, docs/testing.md)
    else options.signal.addEventListener("abort", cancel, { once: true });
    // its result after its last yield, and a yield that could not be read is its error
    const result = call.result.then((v) => (reading === undefined ? v : reading.then(() => v))).then(this.callSucceeded, this.callFailed);
    result.catch(() => undefined).finally(() => options.signal.removeEventListener("abort", cancel));
    return {
      replica: this.index,
      signal: (name, value) => call.signal(name, toValue(value, this.inputSpill !== undefined)),
      end: (name) => call.endSignal(name),
      result,
    };
  }

  /** The call `callId` if it is in flight on this replica's Session (calls over Invoke are not tracked). */
  about(callId: string): CallAbout | undefined {
    const a = this.session?.about(callId);
    return a && { step: a.tag, method: a.method, attempt: a.attempt, input: toJson(a.input) };
  }

  private readonly callSucceeded = (v: Value): Json | Promise<Json> => {
    this.inFlight--;
    this.onCallEnded?.(this);
    return isSpilledValue(v) ? this.unspill(v) : toJson(v);
  };

  /** The value a spilled answer stands for; one that cannot be read fails its call, not retryable. */
  private async unspill(ref: LandRef): Promise<Json> {
    try {
      if (this.land === undefined) throw new Error(`no land to read it from`);
      return fromSpilled((await readSpilledValue(this.land, ref)) as Json, ref);
    } catch (cause) {
      throw new ReplicaCallError(this.index, false, {
        cause: new Error(`the value it answered through the land (${JSON.stringify(ref.path)}) could not be read: ${(cause as Error).message}`, { cause }),
      });
    }
  }

  private readonly callFailed = async (err: unknown): Promise<never> => {
    try {
      // already said (a held call's yield that could not be read)
      if (err instanceof ReplicaCallError) throw err;
      // the worker answered (an error, or an answer over the limit): it lives; a dropped
      // stream usually means the process died, and its exit arrives a moment later
      const answered = err instanceof RemoteCallError || err instanceof MessageTooLargeError;
      if (this.worker.run !== undefined && this.exitInfo === undefined && !answered) await this.exitWithin(250);
      if (this.exitInfo !== undefined && this.worker.run !== undefined) {
        throw new ReplicaCrashedError(this.worker.name, this.index, this.exitInfo, logTail(this.place.logPath, 10, this.logFrom));
      }
      // an attached worker called over Invoke that cannot be reached: no calls for it until it answers
      if (this.worker.run === undefined && !this.session && err instanceof TransportError && err.grpcCode === GRPC_UNAVAILABLE)
        this.lostConnection(err.message, 0);
      const retryable = answered ? err.retryable : true;
      // every slot busy: the worker still runs a call the quarterback gave up on (cancelled or
      // past its deadline, but not yet returned)
      // (said by the error's type: a method's own RESOURCE_EXHAUSTED ran, and counts as an attempt)
      const refused = err instanceof RemoteCallError && err.code === "RESOURCE_EXHAUSTED" && err.remoteType === "CapacityError";
      throw new ReplicaCallError(this.index, retryable, { cause: err, refused });
    } finally {
      this.inFlight--;
      this.onCallEnded?.(this);
    }
  };

  /** A Session call's result or failure, as the two handlers above make it (one object for every call). */
  private readonly outcome: RequestOutcome<Json> = { succeeded: this.callSucceeded, failed: this.callFailed };

  /**
   * Ends the replica within `graceMs`: calls still in flight (their cancel already sent)
   * get the first half to be answered, so the cancels travel over the Session before the
   * stream breaks; then SIGTERM to its process group, and SIGKILL to what is left at the end.
   */
  async stop(graceMs = 2_000): Promise<void> {
    const until = Date.now() + graceMs;
    const wasLive = this.state === "ready";
    this.state = "stopped";
    const settleUntil = until - graceMs / 2;
    while (wasLive && this.session && this.inFlight > 0 && Date.now() < settleUntil) await new Promise((r) => setTimeout(r, 5));
    this.session?.cancel();
    this.client?.close();
    const proc = this.process;
    if (!proc || proc.pid === undefined) return;
    // the exit handler already killed the group when the leader died on its own (equivalent mutants, docs/testing.md)
    // Stryker disable next-line BlockStatement,LogicalOperator,ConditionalExpression
    if (proc.exitCode !== null || proc.signalCode !== null) {
      // Stryker disable next-line StringLiteral
      killGroup(proc.pid, "SIGKILL");
      await awaitGroupGone(proc.pid);
      return;
    }
    const pid = proc.pid;
    // SIGTERM lets the worker cancel its calls and unwind; the whole group gets the grace
    // period, not just the leader, then whatever is left is killed
    // Stryker disable next-line StringLiteral: process.kill sends SIGTERM for an empty name (equivalent, docs/testing.md)
    killGroup(pid, "SIGTERM");
    while (groupLive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await awaitGroupGone(pid);
    untrackGroup(pid);
  }
}
