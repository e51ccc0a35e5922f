import type { Command } from "commander";
import { terminalSafe } from "../../dsl/terminal-safe.js";
import { EXIT } from "../errors.js";
import { commandProject } from "../project.js";
import { openHint, serveOptions, serveUntilSignal, startServer, type ServeFlags } from "../ui-serve.js";

/** The port `qb ui` listens on unless told: fixed, so a bookmark keeps working. */
export const UI_PORT = 7878;

export function registerUi(program: Command): void {
  program
    .command("ui")
    .description(
      "serve the web view of this project's runs (.qb/runs; see --project): each run's graph, calls, failures, timeline, live while it runs; until Ctrl-C (docs/ui.md)",
    )
    .option("--port <port>", `the port (default ${UI_PORT}; 0: any free one)`)
    .option("--host <host>", "the address to listen on (default 127.0.0.1; any other needs --token-file)")
    .option("--token-file <file>", "a file holding the token the page demands (16+ characters)")
    .action(async (opts: ServeFlags) => {
      const server = await startServer({ cwd: commandProject(), ...serveOptions(opts, { port: "--port", tokenFile: "--token-file" }, UI_PORT) });
      process.stderr.write(`qb: web view of ${terminalSafe(commandProject())} at ${terminalSafe(openHint(server, server.url()))} (Ctrl-C stops)\n`);
      await serveUntilSignal(server);
      process.exitCode = EXIT.ok;
    });
}
