/**
 * `npx tsx scripts/ui-screenshots.ts`: the pictures in docs/ui.md, taken from real runs in
 * Debian's Chromium (playwright-core), after `npm run build`:
 *
 *   docs/ui-live.png     `qb run --ui` mid-run: a fan-out two at a time and a held loop
 *   docs/ui-failure.png  `qb ui` on a failed run: the failed call, its error and log lines
 *   docs/ui-report.png   `qb report`'s file opened from disk, network refused
 *
 * The flows are the browser tests' (test/ui-browser.test.ts), on test/workers/ui-probe.ts.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { uiLoopFlow } from "../test/support/ui-loop-flow.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const QB = join(ROOT, "bin/qb.js");
const CHROMIUM = process.env.QB_CHROMIUM ?? "/usr/bin/chromium";
const WORKER = `node ${ROOT}/test/workers/ui-probe.js`;
const dir = mkdtempSync(join(tmpdir(), "qb-ui-shots-"));

writeFileSync(join(dir, "loop.flow"), uiLoopFlow("loop", WORKER, { items: 24, parallel: 3, ms: 250, nextMs: 80, rounds: 6 }));
writeFileSync(
  join(dir, "failing.flow"),
  `flow failing() {
  worker u { run "${WORKER}" replicas 2 }
  xs = range(6) | u.work(ms: 150, v: item)
  ys = xs | u.fail(v: item)
  emit ys
}
`,
);

const children: ChildProcess[] = [];
/** Starts qb and resolves with the first stderr match of `re`. */
function qbUntil(args: string[], re: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [QB, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  child.stdout!.resume();
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding("utf8").on("data", (c: string) => {
      err += c;
      const m = re.exec(err);
      if (m) resolve({ child, match: m });
    });
    child.on("exit", () => reject(new Error(`qb ${args.join(" ")} ended before ${re}:\n${err}`)));
  });
}

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(ROOT, "docs", name), fullPage: true });

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

  const live = await qbUntil(["run", "--ui", "--ui-port", "0", "loop.flow"], /web view at (http:\S+)/);
  await page.goto(live.match[1]!);
  // the page's CSP forbids evaluating strings: poll the counter from here
  const done = page.locator('#graph [data-step="xs"] [data-counter="done"]');
  while (Number(await done.evaluate((e) => e.textContent)) < 12) await page.waitForTimeout(50);
  await page.locator('#graph [data-step="xs"]').click();
  await page.waitForTimeout(600);
  await shot(page, "ui-live.png");
  await page.locator('#stream[data-state="ended"]').waitFor({ timeout: 30_000 });
  live.child.kill("SIGINT");

  spawnSync(process.execPath, [QB, "run", "failing.flow"], { cwd: dir, stdio: "ignore" });
  const ui = await qbUntil(["ui", "--port", "0"], /at (http:\S+) \(Ctrl-C/);
  await page.goto(ui.match[1]!);
  await page.locator("#failure pre.log").first().waitFor();
  await shot(page, "ui-failure.png");
  ui.child.kill("SIGINT");

  spawnSync(process.execPath, [QB, "report", "latest", "-o", "report.html"], { cwd: dir, stdio: "inherit" });
  const offline = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await offline.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
  const report = await offline.newPage();
  await report.goto(`file://${join(dir, "report.html")}`);
  await report.locator("#failure pre.log").first().waitFor();
  await shot(report, "ui-report.png");
  process.stderr.write("ui-screenshots: wrote docs/ui-live.png, docs/ui-failure.png, docs/ui-report.png\n");
} finally {
  await browser.close();
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
