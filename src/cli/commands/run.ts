import type { Command } from "commander";
import { compile } from "../../dsl/compile.js";
import { AttachError, attachWorkers, parseAttach, type Attachment } from "../../dsl/attach.js";
import { CallbackSocketError, checkCallbackSocket } from "../../run/callback-socket.js";
import { diagnostic, type Diagnostic } from "../../dsl/diagnostics.js";
import { renderDiagnostics } from "../../dsl/render.js";
import { terminalSafe } from "../../dsl/terminal-safe.js";
import { LineMap } from "../../dsl/span.js";
import type { FlowIR } from "../../ir/types.js";
import type { RunHandle } from "../../run/run-flow.js";
import { CallFailedError, RunCancelledError } from "../../runtime/errors.js";
import { EXIT, UsageError } from "../errors.js";
import { collectParam, readFlow } from "../flow-input.js";
import { liveDisplay, plainDisplay, type Display } from "../progress.js";
import { prepareRunDir, RunDirError } from "../../run/run-dir-check.js";
import { LAND_MEDIA, type LandMedium } from "../../run/land-medium.js";
import { diagnosticsError, runError, writeJsonLine } from "../run-json.js";
import { AuthConfigError, authFilesFromEnv, loadTransportAuth, mergeAuthFiles, type TransportAuth } from "../../proto/transport-auth.js";
import { checkTransport, hostOf, InsecureTransportError } from "../../proto/transport-policy.js";
import { addRunUiOptions, startRunUi, type RunUi, type RunUiFlags } from "../run-ui.js";
import { flowProject, fromShell, shellRunRef } from "../project.js";
import { anchorPondUrl, namedPondUrl } from "../../pond/url.js";

interface RunFlags extends RunUiFlags {
  param?: Record<string, string>;
  json?: boolean;
  runDir?: string;
  land: string;
  pond?: string;
  generation?: string;
  resume?: string | true;
  attach?: Attachment[];
  callbackSocket?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tokenFile?: string;
  callback?: string;
}

function collectAttach(value: string, previous: Attachment[] = []): Attachment[] {
  try {
    return [...previous, parseAttach(value)];
  } catch (err) {
    throw err instanceof AttachError ? new UsageError(err.message, { cause: err }) : err;
  }
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description(
      "run a flow on local worker processes; prints the emitted result as JSON (exit 0 ok, 1 the run failed or was cancelled, 2 a bad flow or bad usage)",
    )
    .argument("<file>", "flow file")
    .option("-p, --param <name=value>", "give a param a value (repeatable)", collectParam)
    .option("--json", "NDJSON events on stdout, the result as the last line")
    .option("--run-dir <dir>", "the run directory (default .qb/runs/<id> in the flow's project: see --project)")
    .option(
      "--land <where>",
      "where the land lives while the run lasts: auto (in memory on /dev/shm when it has 4 GiB free, else on disk), memory or disk; it ends in the run directory either way",
      "auto",
    )
    .option("--pond <url>", "the pond: FILE.duckdb or mysql://user:pw@host/db (default: QB_POND, else the project's .qb/pond.duckdb)")
    .option("--generation <n>", "refuse to run unless every pond table read is as it was at generation n")
    .option("--resume [run]", "reuse the outputs of calls an earlier run finished (default: the latest run of this flow; see qb runs)")
    .option(
      "--attach <worker=addr,...>",
      "attach a worker to replicas already running at these addresses instead of starting it (repeatable; docs/kubernetes.md)",
      collectAttach,
    )
    .option("--callback-socket <path>", "the callback service's unix socket (workers get QB_CALLBACK=unix:PATH; default: in the run's socket folder)")
    .option("--tls-ca <file>", "CA certificate for mutual TLS with attached workers and --callback (default QB_TLS_CA; see qb certs)")
    .option("--tls-cert <file>", "the quarterback's certificate (default QB_TLS_CERT)")
    .option("--tls-key <file>", "its private key (default QB_TLS_KEY)")
    .option("--token-file <file>", "a file holding the bearer token attached workers and --callback demand (default QB_TOKEN_FILE)")
    .option("--callback <host:port>", "also serve the callback service here, for workers on other hosts (their QB_CALLBACK); needs TLS unless loopback");
  addRunUiOptions(program.commands.at(-1)!).action(async (file: string, opts: RunFlags) => {
    try {
      process.exitCode = await runFile(file, opts);
    } catch (err) {
      // with --json, stdout always ends with how the command ended
      if (opts.json && err instanceof UsageError) writeJsonLine({ type: "error", error: err.message });
      throw err;
    }
  });
}

async function runFile(file: string, opts: RunFlags): Promise<number> {
  const input = readFlow(file);
  const compiled = compile(input.text, { file, params: opts.param ?? {} });
  process.stderr.write(renderDiagnostics(file, input.text, compiled.diagnostics));
  if (!compiled.ir) {
    if (opts.json) writeJsonLine(diagnosticsError(file, input.text, compiled.diagnostics));
    return EXIT.usage;
  }
  let ir = compiled.ir;
  try {
    if (opts.attach) ir = attachWorkers(ir, opts.attach);
    if (opts.callbackSocket !== undefined) checkCallbackSocket(opts.callbackSocket);
  } catch (err) {
    if (err instanceof AttachError) throw new UsageError(err.message, { cause: err });
    if (err instanceof CallbackSocketError) throw new UsageError(`--callback-socket ${err.path}: ${err.why}`, { cause: err });
    throw err;
  }
  let generation: number | undefined;
  if (opts.generation !== undefined) {
    generation = Number(opts.generation);
    if (!Number.isInteger(generation) || generation < 1)
      throw new UsageError(`--generation ${opts.generation}: expected a generation number (see qb pond generations)`);
  }
  if (opts.runDir) {
    try {
      prepareRunDir(fromShell(opts.runDir));
    } catch (err) {
      throw err instanceof RunDirError ? new UsageError(`--run-dir ${err.dir}: ${err.why}`, { cause: err }) : err;
    }
  }
  const auth = transportAuth(opts);
  // the web view (--ui) starts first: a port in use is bad usage, and nothing has run
  const ui = await startRunUi(opts, flowProject(file));
  // until the run ends, ending the process (its stdout closed: `qb run --json | head`) is a failure
  process.exitCode = EXIT.failed;
  let code: number;
  try {
    code = await runCompiled(ir, input.text, file, opts, generation, auth, ui);
  } catch (err) {
    await ui?.close();
    throw err;
  }
  await ui?.serveUntilStopped();
  return code;
}

/**
 * The TLS and token material from the options, else QB_TLS_* and QB_TOKEN_FILE; checked
 * before anything starts: incomplete or unreadable files, or a --callback address that
 * would listen on the network without TLS, are bad usage.
 */
function transportAuth(opts: RunFlags): TransportAuth | undefined {
  const flags = { ca: opts.tlsCa, cert: opts.tlsCert, key: opts.tlsKey, tokenFile: opts.tokenFile };
  const name = (flag: string, env: string, given: string | undefined): string => (given !== undefined ? flag : env);
  try {
    const auth = loadTransportAuth(mergeAuthFiles(authFilesFromEnv(process.env), flags), {
      ca: name("--tls-ca", "QB_TLS_CA", flags.ca),
      cert: name("--tls-cert", "QB_TLS_CERT", flags.cert),
      key: name("--tls-key", "QB_TLS_KEY", flags.key),
      tokenFile: name("--token-file", "QB_TOKEN_FILE", flags.tokenFile),
    });
    if (opts.callback !== undefined) {
      if (hostOf(opts.callback) === null || !/:\d+$/.test(opts.callback))
        throw new UsageError(`--callback ${opts.callback}: expected HOST:PORT, e.g. 10.0.0.5:7070 (workers on other hosts dial it)`);
      checkTransport("the callback service (--callback)", opts.callback, auth, "listen");
    }
    return auth;
  } catch (err) {
    if (err instanceof AuthConfigError || err instanceof InsecureTransportError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

async function runCompiled(
  ir: FlowIR,
  text: string,
  file: string,
  opts: RunFlags,
  generation: number | undefined,
  auth: TransportAuth | undefined,
  ui: RunUi | undefined,
): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) process.stderr.write(`qb: ${sig} again: still stopping the workers\n`);
    controller.abort(new RunCancelledError(`${sig} received`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // the pod and grpc-js load only for `qb run`: check, compile and fmt stay quick
  const { startRun, WorkerMismatchError, RunNotFoundError, LandMediumError } = await import("../../run/index.js");
  let handle: RunHandle;
  // the flow's paths and its runs are its project's; paths typed on the command line are the shell's
  const pond = namedPondUrl(opts.pond);
  const resume = typeof opts.resume === "string" ? shellRunRef(opts.resume) : opts.resume;
  try {
    handle = startRun(ir, {
      signal: controller.signal,
      cwd: flowProject(file),
      file: fromShell(file),
      ...(opts.param ? { params: opts.param } : {}),
      ...(resume !== undefined ? { resume } : {}),
      detailedEvents: opts.json === true,
      ...(opts.runDir ? { runDir: fromShell(opts.runDir) } : {}),
      land: landMedium(opts.land),
      ...(pond !== undefined ? { pond: anchorPondUrl(pond, process.cwd()) } : {}),
      ...(opts.callbackSocket !== undefined ? { callbackSocket: fromShell(opts.callbackSocket) } : {}),
      ...(generation !== undefined ? { generation } : {}),
      ...(auth ? { auth } : {}),
      ...(opts.callback !== undefined ? { callback: opts.callback } : {}),
    });
  } catch (err) {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (err instanceof RunNotFoundError) throw new UsageError(`--resume: ${err.message}`, { cause: err });
    // `--land memory` where /dev/shm is no tmpfs: refused before the run directory is made
    if (err instanceof LandMediumError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  ui?.attach(handle.dir.path, handle.dir.id);
  let display: Display | undefined;
  if (opts.json) {
    handle.events.on("event", (e) => writeJsonLine(e));
  } else {
    display = process.stderr.isTTY ? liveDisplay(ir, handle.stats, process.stderr) : plainDisplay(ir, handle.stats, process.stderr);
    handle.events.on("event", (e) => display!.event(e));
  }
  try {
    const outcome = await handle.outcome;
    display?.stop();
    if (opts.json) writeJsonLine({ type: "result", runId: outcome.runId, runDir: outcome.runDir, calls: outcome.calls, result: outcome.result });
    else {
      process.stdout.write(JSON.stringify(outcome.result, null, 2) + "\n");
      const reused = outcome.resumedFrom ? `; ${outcome.calls.reused} of ${outcome.calls.done} calls reused from run ${outcome.resumedFrom}` : "";
      process.stderr.write(`run ${outcome.runId} finished in ${(outcome.elapsedMs / 1000).toFixed(2)}s${reused}; saved in ${outcome.runDir}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    display?.stop();
    if (err instanceof WorkerMismatchError) {
      const lines = new LineMap(text);
      const ds: Diagnostic[] = err.mismatches.map((m) =>
        diagnostic(m.code, { start: lines.offset(m.loc.line, m.loc.col), end: lines.offset(m.loc.endLine, m.loc.endCol) }, m.message, m.help),
      );
      process.stderr.write(renderDiagnostics(file, text, ds));
      process.stderr.write("qb: nothing ran: the workers do not serve what the flow calls\n");
      if (opts.json) writeJsonLine(diagnosticsError(file, text, ds, handle.dir.id));
      return EXIT.usage;
    }
    if (err instanceof InsecureTransportError) {
      // an attached worker's address would be dialled without TLS: nothing ran
      process.stderr.write(`qb: ${terminalSafe(err.message)}\n`);
      if (opts.json) writeJsonLine(runError(err, file, handle.dir.id, handle.dir.path));
      return EXIT.usage;
    }
    // the message is the worker's text: shown escaped here, raw in the JSON line and events.ndjson
    process.stderr.write(`qb: run failed: ${terminalSafe(describeFailure(err, file))}\n  run directory: ${handle.dir.path}\n`);
    if (opts.json) writeJsonLine(runError(err, file, handle.dir.id, handle.dir.path));
    return EXIT.failed;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function describeFailure(err: unknown, file: string): string {
  if (err instanceof CallFailedError) {
    const at = err.call.loc ? `\n  at ${file}:${err.call.loc.line}:${err.call.loc.col}` : "";
    return `${err.message}${at}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function landMedium(text: string): LandMedium {
  if (!(LAND_MEDIA as readonly string[]).includes(text)) throw new UsageError(`--land ${text}: expected auto, memory or disk`);
  return text as LandMedium;
}
