/**
 * The web view's commands as processes: `qb run --ui` refuses a non-loopback address
 * without a token before anything runs; the --ui-* flags need --ui; after a failed run it
 * serves until SIGINT and exits with the run's code; `qb ui` behind a token; `qb report`
 * of a missing run is bad usage; the help names the commands.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { startQb, type QbRun } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-ui-cli-"));
const procs: QbRun[] = [];
afterAll(() => {
  for (const p of procs) p.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});
writeFileSync(
  join(dir, "failing.flow"),
  `flow failing() {\n  worker u { run "node ${ROOT}/test/workers/ui-probe.js" }\n  xs = [1] | u.fail(v: item)\n  emit xs\n}\n`,
);
const TOKEN = "0123456789abcdef0123";
writeFileSync(join(dir, "token"), TOKEN + "\n");

function qb(args: string[]): QbRun {
  const r = startQb(args, dir);
  procs.push(r);
  return r;
}

async function stderrMatch(run: QbRun, re: RegExp, ms = 10_000): Promise<RegExpExecArray> {
  const t0 = Date.now();
  for (;;) {
    const m = re.exec(run.stderr);
    if (m) return m;
    if (Date.now() - t0 > ms) throw new Error(`no ${re} in stderr:\n${run.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the web view's commands", () => {
  it("qb run --ui on a non-loopback host without a token is refused before anything runs", async () => {
    const run = qb(["run", "failing.flow", "--ui", "--ui-host", "0.0.0.0"]);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr).toMatch(/refusing to serve the web view on 0\.0\.0\.0 without a token.*--ui-token-file/);
    expect(existsSync(join(dir, ".qb"))).toBe(false);
    const flags = qb(["run", "failing.flow", "--ui-port", "0"]);
    expect((await flags.exit).code).toBe(2);
    expect(flags.stderr).toMatch(/go with --ui/);
  });

  it("qb run --ui after a failed run keeps serving until SIGINT, then exits with the run's code (1)", async () => {
    const run = qb(["run", "--json", "--ui", "--ui-port", "0", "failing.flow"]);
    const url = String((await run.waitFor((e) => e.type === "log" && typeof e.url === "string")).url);
    await run.waitFor((e) => e.type === "error");
    await stderrMatch(run, /the web view stays at/);
    expect(run.child.exitCode).toBeNull();
    expect((await fetch(url)).status).toBe(200);
    run.child.kill("SIGINT");
    expect((await run.exit).code).toBe(1);
  }, 20_000);

  it("qb ui on 0.0.0.0 with a token file: refused without the token, served with it", async () => {
    const ui = qb(["ui", "--port", "0", "--host", "0.0.0.0", "--token-file", "token"]);
    const m = await stderrMatch(ui, /at http:\/\/0\.0\.0\.0:(\d+)\/\?token=<the token in the file>/);
    const base = `http://127.0.0.1:${m[1]}`;
    expect((await fetch(`${base}/api/runs`)).status).toBe(401);
    expect((await fetch(`${base}/api/runs?token=${TOKEN}`)).status).toBe(200);
    expect(ui.stderr).not.toContain(TOKEN);
    ui.child.kill("SIGTERM");
    expect((await ui.exit).code).toBe(0);
  }, 20_000);

  it("qb report of a run that is not there is bad usage; the help lists run --ui, ui and report", async () => {
    const r = qb(["report", "nope", "-o", "x.html"]);
    expect((await r.exit).code).toBe(2);
    expect(r.stderr).toMatch(/no run nope/);
    const helpOf = (args: string[]): string => spawnSync(process.execPath, [join(ROOT, "bin/qb.js"), ...args], { cwd: dir, encoding: "utf8" }).stdout;
    const out = helpOf(["--help"]);
    expect(out).toMatch(/\bui\b.*web view/);
    expect(out).toMatch(/\breport\b.*self-contained HTML/);
    const runHelp = helpOf(["run", "--help"]);
    expect(runHelp).toMatch(/--ui\b/);
    expect(runHelp).toMatch(/--ui-token-file/);
  });
});
