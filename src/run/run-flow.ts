/**
 * The library API: run a compiled flow on a local pod. `startRun` returns at once with the
 * run's events and a promise of its outcome; `runFlow` just awaits it.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { FileDigests } from "./journal/file-digests.js";
import { JournalDispatcher } from "./journal/journal-dispatcher.js";
import { JOURNAL_FILE, JournalWriter, readJournal, type JournalContents } from "./journal/journal-file.js";
import { findRun, latestRunOf, type RunEntry } from "./run-history.js";
import { writeRunRecord, type RunRecord } from "./run-record.js";
import { dirname, join, resolve } from "node:path";
import { checkCallbackSocket } from "./callback-socket.js";
import type { FlowIR, Json } from "../ir/types.js";
import { LocalPod } from "../pod/local-pod.js";
import { checkWorkerMethods, type WorkerMismatch } from "../pod/worker-check.js";
import type { CallbackHandlers, CallbackServer } from "../proto/callback-server.js";
import type { TransportAuth } from "../proto/transport-auth.js";
import { resolveAttached, type Lookup } from "../pod/attach.js";
import { runEngine } from "../runtime/engine.js";
import { RunCancelledError } from "../runtime/errors.js";
import { callCounts, RunEvents, type CallCounts, type StepStats } from "../runtime/events.js";
import { globFiles, writeLandJsonl } from "./files.js";
import { DEFAULT_POND, resolvePondUrl } from "../pond/url.js";
import type { Pond } from "../pond/types.js";
import type { PondQueryRequestMsg } from "../proto/messages.js";
import { Land } from "../land/land.js";
import { generationsRead, pondRows, servePondColumns, servePondQuery, usesPond, writePondTable, writesPond } from "./pond-io.js";
import { makeRunDir, type RunDir } from "./run-dir.js";
import { memoryLandParent, type LandMedium } from "./land-medium.js";
import { settleLand } from "./settle-land.js";
import { reapLand } from "../process/index.js";
import { writeEventLog } from "./event-log.js";
import { withLogOffset } from "./log-offset.js";
import { reportSender, WorkerFatalReportError } from "./fatal-report.js";

/** How long a worker gets to answer its cancels and exit when the run failed or was cancelled. */
const FAILED_RUN_GRACE_MS = 500;

export interface RunOptions {
  /** Where worker commands run and relative paths resolve (default: the current folder). */
  cwd?: string;
  /** The run directory (default `.qb/runs/<id>` under cwd). */
  runDir?: string;
  /** Where the land lives while the run lasts (land-medium.ts); default `auto`: in memory where there is room. */
  land?: LandMedium;
  /**
   * Publish every call's start and end for the whole run (for `--json`); without it they
   * are published for the first calls only, as long as the event log keeps them.
   */
  detailedEvents?: boolean;
  /** Cancels the run (Ctrl-C). */
  signal?: AbortSignal;
  startTimeoutMs?: number;
  channelCapacity?: number;
  /** The pond's URL (default: QB_POND, else `.qb/pond.duckdb`); opened only if the flow uses it. */
  pond?: string;
  /** Refuse to run unless every table read is as it was at this generation. */
  generation?: number;
  /**
   * Resume an earlier run: calls whose key is in its journal are not sent again. A run id
   * (or a unique prefix, or a run directory), or true for the latest run of the same flow
   * (none: every call runs).
   */
  resume?: string | true;
  /** Keep a journal of finished calls, for a later resume (default true). */
  journal?: boolean;
  /** The flow file, recorded in run.json (for `qb runs` and resuming the latest run of a file). */
  file?: string;
  /** The params given, recorded in run.json. */
  params?: Record<string, Json>;
  /**
   * The path of the callback service's unix socket (workers get QB_CALLBACK=unix:PATH):
   * workers started elsewhere can be told it in advance (callback-socket.ts). Default: a
   * socket in the run's socket folder.
   */
  callbackSocket?: string;
  /**
   * TLS and token for attached workers and for the callback service's `callback` address
   * (docs/remote-workers.md). Spawned workers never use them: they are on unix sockets.
   */
  auth?: TransportAuth;
  /**
   * Also serve the callback service at this TCP address, for workers on other hosts (they
   * are given it as their own QB_CALLBACK). A non-loopback address needs `auth` with TLS.
   */
  callback?: string;
  /** Resolves the DNS names in `at` (default: the system's resolver, every address). */
  lookup?: Lookup;
}

export interface RunOutcome {
  runId: string;
  runDir: string;
  result: Record<string, Json[]>;
  stats: StepStats[];
  elapsedMs: number;
  /** Calls finished (reused included), answered from the resumed run's journal, failed. */
  calls: CallCounts;
  /** The run this one resumed. */
  resumedFrom?: string;
}

/** The workers do not serve what the flow calls: nothing ran. */
export class WorkerMismatchError extends Error {
  constructor(readonly mismatches: WorkerMismatch[]) {
    super(mismatches.map((m) => `${m.loc.line}:${m.loc.col}: ${m.code}: ${m.message}`).join("\n"));
    this.name = "WorkerMismatchError";
  }
}

export interface RunHandle {
  events: RunEvents;
  dir: RunDir;
  /** Live counters per step, for displays. */
  stats(): StepStats[];
  /** PIDs of the worker processes once started. */
  pids(): number[];
  outcome: Promise<RunOutcome>;
}

/** One health check against `address`; failures do not matter, it only warms up code. */
async function warmUpClient(address: string): Promise<void> {
  const { WorkerClient } = await import("../client/worker-client.js");
  const client = new WorkerClient(address);
  try {
    await client.health("", 2_000);
  } catch {
    // nothing to warm up then
  } finally {
    client.close();
  }
}

export function startRun(ir: FlowIR, options: RunOptions = {}): RunHandle {
  const cwd = options.cwd ?? process.cwd();
  const file = options.file === undefined ? undefined : resolve(cwd, options.file);
  if (options.journal === false && options.resume !== undefined) throw new TypeError("startRun: `resume` needs the journal; `journal: false` turns it off");
  if (options.callbackSocket !== undefined) checkCallbackSocket(options.callbackSocket);
  // a run named to resume that is not there fails before anything starts
  const resumeFrom: RunEntry | undefined =
    options.resume === true ? latestRunOf(cwd, ir.flow, file) : options.resume !== undefined ? findRun(cwd, options.resume) : undefined;
  const landIn = memoryLandParent(options.land ?? "auto");
  const dir = makeRunDir({ cwd, ...(options.runDir ? { runDir: options.runDir } : {}), ...(landIn !== undefined ? { landIn } : {}) });
  // a killed quarterback's land is moved back by the reaper
  if (dir.inMemory) reapLand(dir.inMemory.link, dir.land);
  const record: RunRecord = {
    id: dir.id,
    flow: ir.flow,
    ...(file !== undefined ? { file } : {}),
    ...(options.params ? { params: options.params } : {}),
    status: "running",
    pid: process.pid,
    startedAt: Date.now(),
    ...(resumeFrom ? { resumedFrom: resumeFrom.record.id } : {}),
  };
  writeRunRecord(dir.path, record);
  // the flow as it ran: `qb logs --step` finds a step's workers in it, a report draws it
  writeFileSync(join(dir.path, "flow.json"), JSON.stringify(ir) + "\n");
  // per-call events always: the run's event log keeps them (up to its limit)
  const events = new RunEvents(true);
  // run.finished / run.failed go out after the teardown, last
  events.holdEnd();
  let pod: LocalPod | undefined;
  // a failed or retried call's event gets the size of its replica's log file: added here, as
  // it is published (the moment of the failure), since the engine that publishes it does no I/O
  events.annotate = (e) => withLogOffset(e, (worker, replica) => pod?.logPath(worker, replica));
  let liveStats: StepStats[] = [];
  const log = writeEventLog(events, dir.events, () => liveStats, { othersWantCallEvents: options.detailedEvents === true });
  const controller = new AbortController();
  // the caller's abort ends the run with a RunCancelledError whatever its reason (a plain
  // `abort()` gives a DOMException), the reason kept as its cause
  const onAbort = (): void => {
    const reason: unknown = options.signal?.reason;
    if (reason instanceof RunCancelledError) return controller.abort(reason);
    const why =
      reason instanceof Error && reason.name !== "AbortError"
        ? reason.message
        : reason === undefined || reason instanceof Error
          ? "aborted by the caller"
          : String(reason);
    controller.abort(new RunCancelledError(why, { cause: reason }));
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const outcome = (async (): Promise<RunOutcome> => {
    let callback: CallbackServer | undefined;
    let remoteCallback: CallbackServer | undefined;
    let pondOpening: Promise<Pond> | undefined;
    let journal: JournalWriter | undefined;
    let journaled: JournalDispatcher | undefined;
    let succeeded = false;
    let failure: unknown;
    try {
      // startRun's caller subscribes to events once it returns: publish nothing before that
      await Promise.resolve();
      if (options.resume === true && !resumeFrom)
        events.publish({
          type: "log",
          level: "info",
          message: `nothing to resume: no earlier run of flow ${ir.flow} left a journal; every call runs`,
          time: Date.now(),
        });
      // attached workers' names resolved, each address checked against the refusal rule
      const attach = await resolveAttached(ir, { auth: options.auth, ...(options.lookup ? { lookup: options.lookup } : {}) });
      // the workers start first: they boot while the quarterback loads grpc-js and opens the pond
      const callbackAddress = `unix:${options.callbackSocket ?? join(dir.sockets, "quarterback.sock")}`;
      if (options.callbackSocket !== undefined) mkdirSync(dirname(options.callbackSocket), { recursive: true });
      pod = LocalPod.launch(ir, {
        runDir: dir.path,
        land: dir.land,
        cwd,
        socketDir: dir.sockets,
        callbackAddress,
        attach,
        auth: options.auth,
        ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
        onReplicaEvent: (e) =>
          events.publish({
            type: "log",
            level: e.kind === "restarted" ? "info" : "warn",
            message: `worker ${e.worker} replica ${e.replica} ${e.kind}: ${e.detail}`,
            time: Date.now(),
          }),
      });
      events.publish({ type: "pod.launched", replicas: pod.replicaInfo(), time: Date.now() });
      const podReady = pod.whenReady();
      // settled below; until then a failure elsewhere must not leave it unhandled
      podReady.catch(() => undefined);
      // The pond opens when the flow uses it, here, or at a worker's first query. An
      // embedded pond is opened to read unless the flow writes a table: runs that only read
      // share it with each other and with `qb pond query` (docs/pond.md, "Sharing the pond").
      const pondUrl = resolvePondUrl(options.pond);
      const pondThere = usesPond(ir) || options.pond !== undefined || !!process.env.QB_POND || existsSync(resolve(cwd, DEFAULT_POND));
      const openRunPond = (): Promise<Pond> =>
        (pondOpening ??= (async () => {
          // the drivers (DuckDB, mysql2) load only for runs that open a pond: they cost ~0.5 s
          const { openPond } = await import("../pond/open.js");
          return openPond(pondUrl, { cwd, readOnly: !writesPond(ir) });
        })());
      const pond = usesPond(ir) ? await openRunPond() : undefined;
      if (pond) {
        const generations = await generationsRead(pond, ir, options.generation);
        writeFileSync(join(dir.path, "generations.json"), JSON.stringify(generations, null, 2) + "\n");
        for (const [table, g] of Object.entries(generations))
          events.publish({ type: "log", level: "info", message: `reading table ${table} at generation ${g.generation}`, time: Date.now() });
      }
      // grpc-js loads here, in parallel with the workers' own startup
      const { serveCallback } = await import("../proto/callback-server.js");
      const handlers: CallbackHandlers = {
        report(r) {
          const who = reportSender(r);
          if (r.fatal) {
            const fatal = new WorkerFatalReportError(r, r.callId && r.worker ? pod?.about(r.worker, r.replica, r.callId) : undefined);
            events.publish({ type: "log", level: "error", message: fatal.message, time: Date.now() });
            if (!controller.signal.aborted) controller.abort(fatal);
          } else if (r.kind === "REPORT_KIND_PROGRESS") {
            // an Invoke call's progress (a Session call's comes over its stream)
            if (r.callId && r.worker) pod?.progress(r.worker, r.replica, r.callId, r.fraction, r.message);
          } else {
            events.publish({ type: "log", level: r.kind === "REPORT_KIND_ERROR" ? "error" : "warn", message: `${who}: ${r.message}`, time: Date.now() });
          }
          return { runCancelled: controller.signal.aborted };
        },
        ...(pondThere
          ? {
              pondQuery: async function* (q: PondQueryRequestMsg, signal: AbortSignal) {
                yield* servePondQuery(await openRunPond(), q, signal);
              },
              pondColumns: async (q: PondQueryRequestMsg, signal: AbortSignal) => servePondColumns(await openRunPond(), new Land(dir.land), q, signal),
            }
          : {}),
      };
      callback = await serveCallback(handlers, callbackAddress);
      if (options.callback !== undefined) {
        remoteCallback = await serveCallback(handlers, options.callback, options.auth);
        events.publish({
          type: "log",
          level: "info",
          message: `callback service for workers on other hosts at ${remoteCallback.address} (their QB_CALLBACK)`,
          time: Date.now(),
        });
      }
      // while the workers boot, one health check of our own callback service runs the gRPC
      // client's code once: its first call costs ~25 ms more, which would otherwise fall
      // between a worker listening and the first call
      void warmUpClient(callback.address);
      await podReady;
      events.publish({ type: "pod.started", replicas: pod.replicaInfo(), time: Date.now() });
      const described = pod.described();
      const mismatches = checkWorkerMethods(ir, described);
      if (mismatches.length) throw new WorkerMismatchError(mismatches);
      const started = pod;
      let previous: JournalContents | undefined;
      if (resumeFrom) {
        previous = await readJournal(join(resumeFrom.dir, JOURNAL_FILE)).catch((err: NodeJS.ErrnoException) => {
          if (err.code === "ENOENT") return undefined;
          throw new Error(`cannot read the journal of run ${resumeFrom.record.id}: ${err.message}`, { cause: err });
        });
        events.publish({
          type: "run.resumed",
          runId: dir.id,
          from: resumeFrom.record.id,
          journaled: previous?.records.size ?? 0,
          torn: previous?.torn ?? 0,
          time: Date.now(),
        });
      }
      if (options.journal !== false)
        journal = await JournalWriter.create(join(dir.path, JOURNAL_FILE), { journal: 1, flow: ir.flow, runId: dir.id }, (err) => {
          events.publish({ type: "log", level: "error", message: err.message, time: Date.now() });
          if (!controller.signal.aborted) controller.abort(err);
        });
      const files = new FileDigests();
      journaled =
        journal &&
        new JournalDispatcher(started, {
          writer: journal,
          ...(previous ? { previous } : {}),
          versionOf: (w) => described.get(w)?.version ?? "",
          files,
          land: dir.land,
          ...(resumeFrom ? { previousLand: join(resumeFrom.dir, "land") } : {}),
        });
      const r = await runEngine(ir, {
        dispatcher: journaled ?? started,
        events,
        signal: controller.signal,
        runId: dir.id,
        defaultParallel: (w) => started.defaultParallel(w),
        globFiles: (pattern, root, exclude) => listed(globFiles(pattern, root, { cwd, land: dir.land }, exclude), files),
        writeLand: (path, items) => writeLandJsonl(dir.land, path, items),
        ...(pond
          ? {
              pondRows: (sql: string, params: Record<string, Json>) => pondRows(pond, sql, params),
              writePond: async (table, items, how) => void (await writePondTable(pond, table, items, { ...how, runId: dir.id })),
            }
          : {}),
        ...(options.channelCapacity ? { channelCapacity: options.channelCapacity } : {}),
        onStats: (s) => (liveStats = s),
      });
      writeFileSync(dir.result, JSON.stringify(r.result, null, 2) + "\n");
      succeeded = true;
      return {
        runId: dir.id,
        runDir: dir.path,
        result: r.result,
        stats: r.stats,
        elapsedMs: r.elapsedMs,
        calls: callCounts(r.stats),
        ...(resumeFrom ? { resumedFrom: resumeFrom.record.id } : {}),
      };
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      // every part is closed whatever another's close does, and the run's last event and its
      // log always go out: a close that fails is reported, it does not undo the run
      const closing = async (what: string, close: () => Promise<void> | undefined): Promise<void> => {
        try {
          await close();
        } catch (err) {
          events.publish({
            type: "log",
            level: "warn",
            message: `closing ${what} failed: ${err instanceof Error ? err.message : String(err)}`,
            time: Date.now(),
          });
        }
      };
      // a failed or cancelled run ends within a second: workers get less time to exit
      await closing("the workers", () => pod?.close(succeeded ? undefined : FAILED_RUN_GRACE_MS));
      await closing("the callback service", () => callback?.close());
      await closing("the callback service for other hosts", () => remoteCallback?.close());
      // a worker's query may still be opening it
      await closing("the pond", async () => (await pondOpening?.catch(() => undefined))?.close());
      await closing("the journal", () => journal?.close());
      // every writer is gone: the land in memory goes into the run directory
      await closing("the land", () => settleLand(dir));
      const finishedAt = Date.now();
      writeRunRecord(dir.path, {
        ...record,
        status: succeeded ? "finished" : failure instanceof RunCancelledError ? "cancelled" : "failed",
        finishedAt,
        elapsedMs: finishedAt - record.startedAt,
        calls: callCounts(liveStats),
        ...(succeeded ? {} : { error: failure instanceof Error ? failure.message : String(failure) }),
      });
      // the pod removes its socket folder; this covers a run that failed before the pod
      rmSync(dir.sockets, { recursive: true, force: true });
      events.releaseEnd();
      await log.close();
    }
  })();
  outcome.catch(() => undefined);
  return { events, dir, stats: () => liveStats, pids: () => pod?.pids() ?? [], outcome };
}

/** The glob's items, each file recorded so that a call naming it is keyed by its content. */
async function* listed(items: AsyncIterable<Json>, files: FileDigests): AsyncGenerator<Json> {
  for await (const item of items) {
    const file = (item as { file?: unknown } | null)?.file;
    if (typeof file === "string") files.add(file);
    yield item;
  }
}

export function runFlow(ir: FlowIR, options: RunOptions = {}): Promise<RunOutcome> {
  return startRun(ir, options).outcome;
}
