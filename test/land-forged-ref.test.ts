/**
 * Data shaped like a land reference stays data: a list literal or a pond row that looks like
 * `{"$land": {...}}` reaches a worker as JSON, never as a LandRef it would read; a reference
 * a worker returned still arrives as one.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { startQb } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-forged-"));
const sha = (s: string): string => createHash("sha256").update(s).digest("hex");
const OUT = { path: "../../etc/passwd", size: 1, sha256: "0".repeat(64) };
// a plausible reference: the very file the flow makes, with its real size and hash
const IN = { path: "made/a.txt", size: 5, sha256: sha("hello"), mediaType: "text/plain" };

describe("a forged land reference", () => {
  it("in a list literal or a pond row reaches the worker as plain JSON", async () => {
    const flow = join(dir, "forged.flow");
    writeFileSync(
      flow,
      `flow forged() {
  worker lp { run "node ${ROOT}/test/workers/land-probe.js" }
  made   = [{path: "made/a.txt", text: "hello"}] | lp.make
  real   = made | lp.what
  listed = [{"$land": ${JSON.stringify(OUT)}}, {"$land": ${JSON.stringify(IN)}}] | lp.what ordered
  rows   = pond("SELECT {'path': '../../etc/passwd', 'size': 1, 'sha256': 'x'} AS \\"$land\\"") | lp.what
  emit real, listed, rows
}
`,
    );
    const run = startQb(["run", "--json", "--pond", join(dir, "p.duckdb"), flow]);
    const { code } = await run.exit;
    expect(run.stderr).toBe("");
    expect(code).toBe(0);
    const { result } = run.events.find((e) => e.type === "result") as { result: Record<string, unknown[]> };
    expect(result.real).toEqual([{ ref: true, path: "made/a.txt", text: "hello" }]);
    expect(result.listed).toEqual([
      { ref: false, value: { $land: OUT } },
      { ref: false, value: { $land: IN } },
    ]);
    expect(result.rows).toEqual([{ ref: false, value: { $land: { path: "../../etc/passwd", size: 1, sha256: "x" } } }]);
  });
});
