import type { Command } from "commander";
import { Option } from "commander";
import { compile } from "../../dsl/compile.js";
import { toGraph, type GraphFormat } from "../../dsl/graph.js";
import { renderDiagnostics } from "../../dsl/render.js";
import { EXIT } from "../errors.js";
import { collectParam, readFlow } from "../flow-input.js";

export function registerGraph(program: Command): void {
  program
    .command("graph")
    .description("draw a flow: steps as nodes, channels as edges, signals dashed")
    .argument("<file>", "flow file")
    .addOption(new Option("-f, --format <format>", "output format").choices(["dot", "mermaid"]).default("dot"))
    .option("-p, --param <name=value>", "give a param a value (repeatable)", collectParam)
    .action((file: string, opts: { format: GraphFormat; param?: Record<string, string> }) => {
      const input = readFlow(file);
      const r = compile(input.text, { file, params: opts.param ?? {} });
      process.stderr.write(renderDiagnostics(file, input.text, r.diagnostics));
      if (!r.ir) {
        process.exitCode = EXIT.usage;
        return;
      }
      process.stdout.write(toGraph(r.ir, opts.format));
    });
}
