import type { Command } from "commander";
import { compile } from "../../dsl/compile.js";
import { hasErrors } from "../../dsl/diagnostics.js";
import { diagnosticsToJson, omitted, renderDiagnostics, summary } from "../../dsl/render.js";
import { EXIT } from "../errors.js";
import { collectParam, readFlow } from "../flow-input.js";

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("find every mistake in flows before anything runs (exit 0 ok, 2 on errors)")
    .argument("<files...>", "flow files")
    .option("-p, --param <name=value>", "give a param a value (repeatable)", collectParam)
    .option("--json", "print diagnostics as JSON")
    .action((files: string[], opts: { param?: Record<string, string>; json?: boolean }) => {
      let failed = false;
      const all = [];
      // per file, the diagnostics past the first MAX_SHOWN: counted, not listed
      const more = [];
      for (const f of files) {
        const input = readFlow(f);
        const r = compile(input.text, { file: f, params: opts.param ?? {} });
        failed ||= hasErrors(r.diagnostics);
        if (opts.json) {
          all.push(...diagnosticsToJson(f, input.text, r.diagnostics));
          const o = omitted(r.diagnostics);
          if (o) more.push({ file: f, ...o });
        } else {
          process.stderr.write(renderDiagnostics(f, input.text, r.diagnostics));
          if (r.diagnostics.length) process.stderr.write(`${f}: ${summary(r.diagnostics)}\n`);
        }
      }
      if (opts.json) process.stdout.write(JSON.stringify({ ok: !failed, diagnostics: all, ...(more.length ? { omitted: more } : {}) }, null, 2) + "\n");
      else if (!failed) process.stdout.write(`ok: ${files.length} flow${files.length === 1 ? "" : "s"} checked\n`);
      process.exitCode = failed ? EXIT.usage : EXIT.ok;
    });
}
