/**
 * The web view in a real browser (Debian's Chromium through playwright-core), against real
 * runs of test/workers/ui-probe.ts:
 *   - `qb run --ui` during a running flow: every step, the graph's edges (the signal
 *     dashed), counters that rise while the run goes, a held step's round; after the run
 *     it keeps serving until SIGTERM, and the exit code is the run's;
 *   - the event stream cut by the server mid-run: the page reconnects and ends with every
 *     event exactly once (its counters are exact);
 *   - `qb ui` on a failed run: the failed call with its error, input, flow line and its
 *     replica's log lines, worker text shown as text;
 *   - `qb report`'s file opened from disk with every network request refused: the same.
 * About 15 s; the test paces the runs through gate files, so a slow page misses nothing. Without Chromium: SKIPPED (under CI=true: fails).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UiServer } from "../dist/ui/server.js";
import { chromiumReady, launchChromium } from "./support/browser.js";
import { ROOT } from "./support/examples.js";
import { startQb, type QbRun } from "./support/qb-process.js";
import { uiLoopFlow } from "./support/ui-loop-flow.js";

const ready = chromiumReady("the web view's browser tests (test/ui-browser.test.ts)");
const dir = mkdtempSync(join(tmpdir(), "qb-ui-browser-"));
const WORKER = `node ${ROOT}/test/workers/ui-probe.js`;

// 16 calls two at a time, then ys; a held loop of 4 rounds alongside. The test paces each
// run through its gate folder (a call on item v waits for the file v, round i for round-i),
// so what it looks for while the run goes cannot be over before the page has loaded.
const ITEMS = 16;
const ROUNDS = 4;
const gate = (name: string): string => {
  const g = join(dir, name);
  mkdirSync(g);
  return g;
};
const SLOW_GATE = gate("gate-slow");
const CUT_GATE = gate("gate-cut");
const loop = (name: string, g: string): string => uiLoopFlow(name, WORKER, { items: ITEMS, parallel: 2, ms: 20, nextMs: 20, rounds: ROUNDS, gate: g });
/** Lets the gated calls on items [from, to) finish. */
function openItems(g: string, from: number, to: number): void {
  for (let v = from; v < to; v++) writeFileSync(join(g, String(v)), "");
}
const openRound = (g: string, i: number): void => writeFileSync(join(g, `round-${i}`), "");
function openAll(g: string): void {
  openItems(g, 0, ITEMS);
  for (let i = 0; i < ROUNDS; i++) openRound(g, i);
}
const STEPS = ["xs", "ys", "start", "h", "r", "more", "go"];
const FAILING = `flow failing() {
  worker u { run "${WORKER}" replicas 1 }
  xs = range(3) | u.work(ms: 100, v: item)
  ys = xs | u.fail(v: item)
  emit ys
}
`;
writeFileSync(join(dir, "slow.flow"), loop("slow", SLOW_GATE));
writeFileSync(join(dir, "cut.flow"), loop("cut", CUT_GATE));
writeFileSync(join(dir, "failing.flow"), FAILING);

let browser: Browser;
const procs: QbRun[] = [];
beforeAll(async () => {
  if (ready) browser = await launchChromium();
});
afterAll(async () => {
  for (const p of procs) p.child.kill("SIGKILL");
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

function qb(args: string[]): QbRun {
  const run = startQb(args, dir);
  procs.push(run);
  return run;
}

/** A page that fails the test on any script error or dialog (an alert from worker text would be one). */
async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  page.on("pageerror", (e) => {
    throw e;
  });
  page.on("dialog", (d) => {
    throw new Error(`the page opened a dialog: ${d.message()}`);
  });
  await page.goto(url);
  return page;
}

const counter = (page: Page, step: string, name: string): Promise<string> =>
  page.locator(`#graph [data-step="${step}"] [data-counter="${name}"]`).evaluate((e) => e.textContent ?? "");
/** Polls a counter until it shows a number ≥ `min` (the page's CSP forbids evaluating strings, so no waitForFunction). */
async function waitCounter(page: Page, step: string, name: string, min: number): Promise<void> {
  const t0 = Date.now();
  while (!(Number(await counter(page, step, name)) >= min)) {
    if (Date.now() - t0 > 15_000) throw new Error(`${step} ${name} never reached ${min}`);
    await page.waitForTimeout(50);
  }
}
const status = (page: Page): Promise<string | null> => page.locator("#run-status").getAttribute("data-status");

async function expectGraph(page: Page): Promise<void> {
  await page.locator("#graph g.node[data-step]").first().waitFor();
  expect((await page.locator("#graph g.node[data-step]").evaluateAll((els) => els.map((e) => e.getAttribute("data-step")))).sort()).toEqual([...STEPS].sort());
  const edges = await page
    .locator("#graph path.edge")
    .evaluateAll((els) =>
      els.map((e) => `${e.getAttribute("data-from")}->${e.getAttribute("data-to")}${e.getAttribute("data-feedback") === "true" ? " (signal)" : ""}`),
    );
  expect(edges.sort()).toEqual(["go->h (signal)", "h->r", "more->go", "r->more", "r->sink_1", "start->go", "xs->ys", "ys->sink_0"].sort());
}

/** The failed call's panel: error and log lines as text (no element made from worker text). */
async function expectFailure(page: Page): Promise<void> {
  const panel = page.locator("#failure");
  await panel.waitFor();
  expect(await panel.getAttribute("data-step")).toBe("ys");
  expect(await panel.locator("[data-field=error]").innerText()).toContain("ui-probe: <b>bad</b> input 0");
  expect(await panel.locator("b").count()).toBe(0);
  expect(await panel.locator("[data-field=input]").innerText()).toBe('{"v":0}');
  expect(await panel.locator("[data-field=line]").innerText()).toMatch(/failing\.flow:4$/);
  const log = panel.locator("pre.log").first();
  await log.waitFor();
  const text = await log.innerText();
  expect(text).toContain("about to fail on 0");
  expect(text).toContain('<script>alert("log 0")</script>');
  expect(await page.locator("#failure script").count()).toBe(0);
  expect(await page.locator('#failures li[data-step="ys"]').count()).toBeGreaterThanOrEqual(1);
  expect(await counter(page, "ys", "failed")).toBe("1");
}

describe.skipIf(!ready)("the web view in Chromium", () => {
  let slowRunId = "";
  let failedRunId = "";

  it("qb run --ui: every step, the edges, rising counters and a held step's round while it runs; serves after it until SIGTERM, with the run's exit code", async () => {
    const run = qb(["run", "--json", "--ui", "--ui-port", "0", "slow.flow"]);
    const announced = await run.waitFor((e) => e.type === "log" && typeof e.url === "string");
    expect(run.stderr).toContain(`qb: web view at ${String(announced.url)}`);
    const page = await openPage(String(announced.url));
    await expectGraph(page);
    // counters rise while the run goes: the gates hold it at each stage until the page shows it
    for (const [from, to] of [
      [0, 5],
      [5, 10],
    ]) {
      openItems(SLOW_GATE, from!, to!);
      await waitCounter(page, "xs", "done", to!);
      expect(await counter(page, "xs", "done")).toBe(String(to));
      expect(await status(page)).toBe("running");
    }
    // and the held step's round, one round at a time, while xs still waits
    const rounds: number[] = [];
    for (let i = 0; i < 2; i++) {
      openRound(SLOW_GATE, i);
      await waitCounter(page, "h", "round", (rounds.at(-1) ?? -1) + 1);
      rounds.push(Number(await counter(page, "h", "round")));
      expect(await status(page)).toBe("running");
    }
    expect(rounds[1]).toBeGreaterThan(rounds[0]!);
    openAll(SLOW_GATE);
    await page.locator('#stream[data-state="ended"]').waitFor();
    expect(await counter(page, "xs", "done")).toBe("16");
    expect(await counter(page, "xs", "total")).toBe("16");
    expect(await counter(page, "ys", "total")).toBe("16");
    expect(await counter(page, "h", "round")).toBe("4");
    expect(await page.locator('#graph [data-step="xs"]').getAttribute("data-state")).toBe("done");
    // a step's calls: slowest first, with replica and time
    await page.locator('#graph [data-step="xs"]').click();
    const rows = page.locator("#calls tbody tr");
    expect(await rows.count()).toBe(16);
    const ms = await page.locator('#calls [data-col="ms"]').allInnerTexts();
    expect(ms.every((t) => /ms|s$/.test(t))).toBe(true);
    expect(await page.locator('#calls [data-col="replica"]').first().innerText()).toMatch(/^u-[01]$/);
    expect(await page.locator("#timeline rect[data-lane]").count()).toBeGreaterThanOrEqual(16);
    expect(Number(await page.locator("#throughput").getAttribute("data-total"))).toBeGreaterThanOrEqual(16);
    // the run is over, the server is not
    const result = await run.waitFor((e) => e.type === "result");
    slowRunId = String(result.runId);
    await new Promise((r) => setTimeout(r, 300));
    expect(run.child.exitCode).toBeNull();
    expect((await fetch(`${String(announced.url).replace(/\?.*$/, "")}api/runs`)).status).toBe(200);
    run.child.kill("SIGTERM");
    const { code } = await run.exit;
    expect(code).toBe(0);
    await page.close();
  }, 40_000);

  it("after the server cuts the event stream mid-run, the page reconnects and ends with every event exactly once", async () => {
    const run = qb(["run", "--json", "cut.flow"]);
    const started = await run.waitFor((e) => e.type === "run.started");
    openItems(CUT_GATE, 0, 2);
    const server = await UiServer.start({ cwd: dir, port: 0 });
    try {
      const page = await openPage(server.url(String(started.runId)));
      await waitCounter(page, "xs", "done", 2);
      expect(server.dropStreams()).toBeGreaterThanOrEqual(1);
      await page.locator("#stream[data-reconnects]").waitFor();
      openAll(CUT_GATE);
      await page.locator('#stream[data-state="ended"]').waitFor({ timeout: 20_000 });
      const runDir = join(dir, ".qb", "runs", String(started.runId));
      const lines = readFileSync(join(runDir, "events.ndjson"), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "");
      expect(Number(await page.locator("#stream").getAttribute("data-events"))).toBe(lines.length);
      expect(await counter(page, "xs", "done")).toBe("16");
      expect(await page.locator('#totals [data-total="done"]').innerText()).toBe(String(lines.filter((l) => l.includes('"call.finished"')).length + 1));
      await page.close();
    } finally {
      await server.close();
    }
    expect((await run.exit).code).toBe(0);
  }, 30_000);

  it("qb ui on a failed run: the failed call with its error, input, flow line and its replica's log lines", async () => {
    const run = qb(["run", "--json", "failing.flow"]);
    const { code } = await run.exit;
    expect(code).toBe(1);
    failedRunId = String(run.events.find((e) => e.type === "run.started")!.runId);
    const ui = qb(["ui", "--port", "0"]);
    const t0 = Date.now();
    while (!/web view of .* at (http:\/\/\S+)/.test(ui.stderr) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    const url = /at (http:\/\/\S+)/.exec(ui.stderr)![1]!;
    const page = await openPage(`${url}?run=${failedRunId}`);
    await page.locator('#run-status[data-status="failed"]').waitFor();
    await expectFailure(page);
    // the runs of the folder are listed
    expect(await page.locator("#runs a[data-run-id]").count()).toBeGreaterThanOrEqual(2);
    await page.close();
    ui.child.kill("SIGINT");
    expect((await ui.exit).code).toBe(0);
  }, 30_000);

  it("qb report: the file opens from disk with the network refused and shows the graph, rounds, failure and log lines", async () => {
    expect(slowRunId && failedRunId, "the runs of the tests above").toBeTruthy();
    for (const [id, file] of [
      [failedRunId, "failed.html"],
      [slowRunId, "slow.html"],
    ] as const) {
      const r = qb(["report", id, "-o", file]);
      expect((await r.exit).code).toBe(0);
    }
    const context = await browser.newContext({ viewport: { width: 1300, height: 1000 } });
    const requests: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on("pageerror", (e) => {
      throw e;
    });
    await page.goto(`file://${join(dir, "failed.html")}`);
    await page.locator('#run-status[data-status="failed"]').waitFor();
    await expectFailure(page);
    await page.goto(`file://${join(dir, "slow.html")}`);
    await page.locator('#run-status[data-status="finished"]').waitFor();
    await expectGraph(page);
    expect(await counter(page, "xs", "done")).toBe("16");
    expect(await counter(page, "h", "round")).toBe("4");
    expect(await page.locator("#timeline rect[data-lane]").count()).toBeGreaterThanOrEqual(16);
    expect(requests).toEqual([]);
    await context.close();
  }, 30_000);
});
