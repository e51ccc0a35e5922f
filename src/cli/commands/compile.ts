import type { Command } from "commander";
import { compile } from "../../dsl/compile.js";
import { diagnosticsToJson, renderDiagnostics } from "../../dsl/render.js";
import { EXIT } from "../errors.js";
import { collectParam, readFlow } from "../flow-input.js";

export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description("compile a flow and print its IR as JSON (the runtime's input)")
    .argument("<file>", "flow file")
    .option("-p, --param <name=value>", "give a param a value (repeatable)", collectParam)
    .option("--json", "print diagnostics as JSON on failure")
    .action((file: string, opts: { param?: Record<string, string>; json?: boolean }) => {
      const input = readFlow(file);
      const r = compile(input.text, { file, params: opts.param ?? {} });
      if (!r.ir) {
        if (opts.json) process.stdout.write(JSON.stringify({ ok: false, diagnostics: diagnosticsToJson(file, input.text, r.diagnostics) }, null, 2) + "\n");
        else process.stderr.write(renderDiagnostics(file, input.text, r.diagnostics));
        process.exitCode = EXIT.usage;
        return;
      }
      process.stderr.write(renderDiagnostics(file, input.text, r.diagnostics));
      process.stdout.write(JSON.stringify(r.ir, null, 2) + "\n");
    });
}
