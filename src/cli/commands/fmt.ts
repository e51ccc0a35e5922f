import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { format } from "../../dsl/format.js";
import { renderDiagnostics } from "../../dsl/render.js";
import { EXIT } from "../errors.js";
import { readFlow } from "../flow-input.js";

export function registerFmt(program: Command): void {
  program
    .command("fmt")
    .description("print flows in canonical layout, comments kept")
    .argument("<files...>", "flow files")
    .option("--check", "print nothing; exit 1 listing files that are not formatted")
    .option("-w, --write", "rewrite the files in place")
    .action((files: string[], opts: { check?: boolean; write?: boolean }) => {
      let code: number = EXIT.ok;
      for (const f of files) {
        const input = readFlow(f);
        const r = format(input.text);
        if (r.output === undefined) {
          process.stderr.write(renderDiagnostics(f, input.text, r.diagnostics));
          process.stderr.write(`${f}: not formatted: fix the syntax errors first\n`);
          code = EXIT.usage;
          continue;
        }
        if (opts.check) {
          if (r.output !== input.text) {
            process.stdout.write(`${f}\n`);
            if (code === EXIT.ok) code = EXIT.failed;
          }
        } else if (opts.write) {
          if (r.output !== input.text) writeFileSync(f, r.output);
        } else {
          process.stdout.write(r.output);
        }
      }
      process.exitCode = code;
    });
}
