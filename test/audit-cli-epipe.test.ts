/** `qb run --json | head -1`: a run cut off by its reader is not a success. */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { groupMembers } from "./support/qb-process.js";

describe("qb run whose stdout is closed mid-run", () => {
  it("exits 1, not 0, and leaves no worker behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qb-audit-epipe-"));
    const flow = join(dir, "long.flow");
    writeFileSync(
      flow,
      `flow long() {\n  worker chaos { run "node ${ROOT}/test/workers/chaos.js" replicas 1 }\n  xs = range(4) | chaos.wait(id: item, ms: 20000) parallel 4\n  emit xs\n}\n`,
    );
    const child = spawn(process.execPath, [join(ROOT, "bin/qb.js"), "run", "--json", flow], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // the first line is pod.launched, with the worker's pid; then the reader goes away
    const first = await new Promise<string>((resolve) => child.stdout.once("data", (c: Buffer) => resolve(c.toString().split("\n")[0]!)));
    const pids = (JSON.parse(first) as { replicas: Array<{ pid: number }> }).replicas.map((r) => r.pid);
    child.stdout.destroy();
    expect(await exit).toBe(1);
    // qb SIGKILLs the worker's group as it exits; on a busy machine the kernel takes a moment
    const until = Date.now() + 2_000;
    while ((await groupMembers(pids)).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(await groupMembers(pids)).toEqual([]);
  });
});
