import type { Command } from "commander";
import type { WorkerProcess } from "../../process/worker-process.js";
import { terminalSafe } from "../../dsl/terminal-safe.js";
import { EXIT, UsageError } from "../errors.js";

interface TestOptions {
  json?: boolean;
  verbose?: boolean;
  startTimeout: number;
  name?: string;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`expected a positive whole number of milliseconds, not ${JSON.stringify(v)}`);
  return n;
}

export function registerWorker(program: Command): void {
  const worker = program.command("worker").description("tools for workers").enablePositionalOptions();
  worker
    .command("health")
    .description(
      "ask a worker's grpc.health.v1 service whether it serves (what Kubernetes' gRPC probes ask; an exec probe where those are missing); " +
        "exit 0 when SERVING, 1 otherwise",
    )
    .argument("<address>", "host:port or unix:/path of the worker")
    .option("--service <name>", "the health service name to ask about", "")
    .option("--timeout <ms>", "how long to wait for the answer", positiveInt, 2_000)
    .action(async (address: string, opts: { service: string; timeout: number }) => {
      const { WorkerClient } = await import("../../client/worker-client.js");
      const client = new WorkerClient(address);
      try {
        const status = await client.health(opts.service, opts.timeout);
        process.stdout.write(`${terminalSafe(address)}: ${status}\n`);
        process.exitCode = status === "SERVING" ? EXIT.ok : EXIT.failed;
      } catch (err) {
        process.stderr.write(`qb worker health: ${terminalSafe(address)}: ${terminalSafe(err instanceof Error ? err.message : String(err))}\n`);
        process.exitCode = EXIT.failed;
      } finally {
        client.close();
      }
    });
  worker
    .command("test")
    .description(
      "start a worker command and check it against the worker contract (docs/worker-protocol.md); " +
        "one PASS/FAIL/SKIP line per check; exit 0 when nothing failed, 1 on a failure, 2 on bad usage",
    )
    .argument("<command...>", "the worker command, run by /bin/sh; put it after -- when it has options of its own")
    .option("--json", "print the report as JSON")
    .option("-v, --verbose", "show the worker's output")
    .option("--start-timeout <ms>", "how long the worker may take to start serving", positiveInt, 20_000)
    .option("--name <name>", "the worker's name (QB_WORKER_NAME)")
    // the worker command's own options (node --import x) are its words, not ours
    .passThroughOptions()
    .allowUnknownOption()
    .action(async (words: string[], opts: TestOptions) => {
      const command = words.join(" ").trim();
      if (command === "") throw new UsageError("qb worker test needs a worker command, e.g. qb worker test -- node my-worker.js");
      let proc: WorkerProcess | undefined;
      // whatever happens to us, the worker's process group goes too
      const killWorker = () => proc?.killNow();
      // interrupted, the test did not pass: exit 1, as `qb run` does when cancelled
      const onSignal = (sig: NodeJS.Signals) => {
        killWorker();
        process.stderr.write(`qb worker test: ${sig} received, worker stopped\n`);
        process.exit(EXIT.failed);
      };
      process.on("exit", killWorker);
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      // grpc-js and the checks load only when this command runs: other commands stay quick
      const { formatResult, formatSummary, runConformance } = await import("../../conformance/index.js");
      if (!opts.json) process.stdout.write(`qb worker test: ${terminalSafe(command)}\n\n`);
      const report = await runConformance({
        command,
        startTimeoutMs: opts.startTimeout,
        workerName: opts.name,
        onStarted: (p) => (proc = p),
        // details quote the worker (its name, version, errors): escaped, as every worker text on a terminal
        onResult: opts.json ? undefined : (r) => process.stdout.write(terminalSafe(formatResult(r))),
        onLine: opts.verbose ? (stream, line) => process.stderr.write(`worker ${stream}| ${terminalSafe(line, { lines: false })}\n`) : undefined,
      });
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      else process.stdout.write(terminalSafe(formatSummary(report)));
      process.exitCode = report.ok ? EXIT.ok : EXIT.failed;
    });
}
