/**
 * `qb run F --ui`: the web view of the run while it goes, and after it until Ctrl-C. The
 * server starts before the run (a port in use is bad usage and nothing runs); once the run
 * has its directory, the page's address goes to stderr, and under --json as a `log` event
 * with `url`. The run's exit code stays the command's.
 */
import type { Command } from "commander";
import { terminalSafe } from "../dsl/terminal-safe.js";
import type { UiServer } from "../ui/index.js";
import { UsageError } from "./errors.js";
import { writeJsonLine } from "./run-json.js";
import { openHint, serveOptions, serveUntilSignal, startServer } from "./ui-serve.js";

export interface RunUiFlags {
  ui?: boolean;
  uiPort?: string;
  uiHost?: string;
  uiTokenFile?: string;
  json?: boolean;
}

export function addRunUiOptions(cmd: Command): Command {
  return cmd
    .option("--ui", "serve a web view of the run (graph, calls, timeline) while it goes and after, until Ctrl-C; prints its address (docs/ui.md)")
    .option("--ui-port <port>", "the web view's port (default: any free one)")
    .option("--ui-host <host>", "the web view's address (default 127.0.0.1; any other needs --ui-token-file)")
    .option("--ui-token-file <file>", "a file holding the token the web view demands (16+ characters)");
}

export interface RunUi {
  /** Serves the run in `dir` and prints the address. */
  attach(runDir: string, runId: string): void;
  /** After the run: serves until SIGINT or SIGTERM, then closes. */
  serveUntilStopped(): Promise<void>;
  /** Stops serving now (the run never started). */
  close(): Promise<void>;
}

/** Starts the server when --ui is given; bad flags or a port in use are a UsageError. */
export async function startRunUi(opts: RunUiFlags, cwd: string): Promise<RunUi | undefined> {
  if (!opts.ui) {
    if (opts.uiPort !== undefined || opts.uiHost !== undefined || opts.uiTokenFile !== undefined)
      throw new UsageError("--ui-port, --ui-host and --ui-token-file go with --ui");
    return undefined;
  }
  const server: UiServer = await startServer({
    cwd,
    ...serveOptions({ port: opts.uiPort, host: opts.uiHost, tokenFile: opts.uiTokenFile }, { port: "--ui-port", tokenFile: "--ui-token-file" }, 0),
  });
  let url = server.url();
  return {
    attach(runDir, runId) {
      server.addRun(runDir);
      url = server.url(runId);
      process.stderr.write(`qb: web view at ${terminalSafe(openHint(server, url))}\n`);
      if (opts.json) writeJsonLine({ type: "log", level: "info", message: `web view at ${url}`, url, time: Date.now() });
    },
    async serveUntilStopped() {
      process.stderr.write(`qb: the run is over; the web view stays at ${terminalSafe(url)} until Ctrl-C\n`);
      await serveUntilSignal(server);
    },
    close: () => server.close(),
  };
}
