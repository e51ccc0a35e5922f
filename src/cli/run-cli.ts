import { Command, CommanderError } from "commander";
import { registerCerts } from "./commands/certs.js";
import { registerCheck } from "./commands/check.js";
import { registerCompile } from "./commands/compile.js";
import { registerFmt } from "./commands/fmt.js";
import { registerGraph } from "./commands/graph.js";
import { registerInit } from "./commands/init.js";
import { registerK8s } from "./commands/k8s.js";
import { registerLogs } from "./commands/logs.js";
import { registerPond } from "./commands/pond.js";
import { registerReport } from "./commands/report.js";
import { registerRun } from "./commands/run.js";
import { registerRuns } from "./commands/runs.js";
import { registerUi } from "./commands/ui.js";
import { registerWorker } from "./commands/worker.js";
import { terminalSafe } from "../dsl/terminal-safe.js";
import { EXIT, UsageError } from "./errors.js";
import { ownPackage } from "../common/own-package.js";
import { chooseProject } from "./project.js";

/** Runs `qb` with `argv` (as process.argv: node, script, args...); sets process.exitCode. */
export async function runCli(argv: string[]): Promise<void> {
  // `qb graph f.flow | head` closes our stdout early: that is not an error
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });

  const program = new Command()
    .name("qb")
    .description("Quarterback: run flows of gRPC calls into warm workers")
    .version(ownPackage().version)
    .option(
      "--project <dir>",
      "the project: where a flow's relative paths point and its runs are kept (default: QB_PROJECT, else the nearest folder with package.json or .git, up from the flow's folder or the current one; else the current folder)",
    )
    .showHelpAfterError()
    .exitOverride()
    .hook("preAction", (cmd) => chooseProject(cmd.opts<{ project?: string }>().project));

  registerCerts(program);
  registerCheck(program);
  registerCompile(program);
  registerFmt(program);
  registerGraph(program);
  registerInit(program);
  registerK8s(program);
  registerLogs(program);
  registerPond(program);
  registerReport(program);
  registerRun(program);
  registerRuns(program);
  registerUi(program);
  registerWorker(program);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help asked for and version are not failures; help shown because no command was
      // given (`qb`, `qb pond`: commander's exit code 1) and every other error are bad usage
      const asked = err.code === "commander.helpDisplayed" || err.code === "commander.version" || (err.code === "commander.help" && err.exitCode === 0);
      process.exitCode = asked ? EXIT.ok : EXIT.usage;
    } else if (err instanceof UsageError) {
      process.stderr.write(`qb: ${terminalSafe(err.message)}\n`);
      process.exitCode = EXIT.usage;
    } else {
      process.stderr.write(`qb: internal error: ${terminalSafe(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
      process.exitCode = EXIT.failed;
    }
  }
}
