import { statSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { terminalSafe } from "../../dsl/terminal-safe.js";
import { PageNotBuiltError, REPORT_RULE, reportData, reportHtml, RunUnreadableError } from "../../ui/index.js";
import { UsageError } from "../errors.js";
import { lookUpRun, RUN_ID_HELP } from "../run-lookup.js";
import { commandProject } from "../project.js";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      `write one self-contained HTML file of a run: graph, per-step figures, timeline, errors; opens from disk with no network (bounded: ${REPORT_RULE})`,
    )
    .argument("<run>", RUN_ID_HELP)
    .option("-o, --output <file>", "the file to write", "report.html")
    .action((ref: string, opts: { output: string }) => {
      const run = lookUpRun(commandProject(), ref);
      let html: string;
      try {
        html = reportHtml(reportData(run.dir));
      } catch (err) {
        if (err instanceof RunUnreadableError) throw new UsageError(`run ${ref}: ${err.message}`, { cause: err });
        if (err instanceof PageNotBuiltError) throw new UsageError(err.message, { cause: err });
        throw err;
      }
      writeFileSync(opts.output, html);
      process.stderr.write(
        `qb: report of run ${terminalSafe(run.record.id)} written to ${terminalSafe(opts.output)} (${Math.ceil(statSync(opts.output).size / 1024)} KB)\n`,
      );
    });
}
