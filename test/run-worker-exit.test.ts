/** A worker that exits before it is ready is reported with its own exit status, even when its command is a shell builtin. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startQb } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-worker-exit-"));

describe("a worker whose command is a shell builtin", () => {
  it.each([
    ["exit 3", 3],
    ["FOO=1 exit 4", 4],
  ])("`%s` is reported with exit code %i, not 127", async (command, code) => {
    const flow = join(dir, `builtin-${code}.flow`);
    writeFileSync(flow, `flow builtin() {\n  worker w { run "${command}" }\n  s = [1] | w.go\n  emit s\n}\n`);
    const run = startQb(["run", "--json", flow]);
    expect((await run.exit).code).toBe(1);
    expect(run.stderr).toContain(`worker \`w\` replica 0: exited before it was ready (exit code ${code})`);
  });
});
