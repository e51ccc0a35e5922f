/**
 * What the web view costs a run (issue 14): the no-op flow of bench/overhead.bench.ts
 * (`range(n) | w.noop parallel 1024 | last`, 2 replicas of bench/workers/noop.js) through
 * `startRun`, as `qb run` runs it, with and without the web view: its server in this
 * process (as `qb run --ui` serves it, on the quarterback's event loop) and one Chromium
 * tab (playwright-core, Debian's /usr/bin/chromium) that goes to the run's live page as
 * soon as the run has its directory and stays until it has read the run's whole event log
 * (it replays what came before it connected, so it does all the work of a page watching
 * from the first call). The tab is opened once, before: a new tab's renderer costs this
 * machine ~0.7 CPU-seconds once, whatever the run, which is not the cost of watching it
 * (measured apart: `fresh_tab_chromium_cpu_ms`). Alternating, ROUNDS times each; the best of each
 * counts. Calls/s are the run's own (`elapsedMs`: first call to last, workers already up).
 * Goal: with the UI ≥ 90% of without, at each size (a run of a few seconds pays the
 * page's fixed cost, ~20,000 events, in full).
 *
 * `npm run bench -- ui`
 */
import { join } from "node:path";
import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { chromium } from "playwright-core";
import { compile } from "../src/dsl/compile.js";
import type { FlowIR } from "../src/ir/types.js";
import { startRun } from "../src/run/run-flow.js";
import { UiServer } from "../src/ui/server.js";
import { REPO, load, log, makeTemp, removeTemp, round } from "./workers/harness.js";

/** As bench/overhead.bench.ts. Past 10,000 calls the event log rolls calls up (20,000 per-call events): the page's work stops growing with the run. */
const SIZES = [20_000, 100_000];
const ROUNDS = 5;
const CHROMIUM = process.env.QB_CHROMIUM ?? "/usr/bin/chromium";

const FLOW = `flow overhead(n: int = 1000, p: int = 1024) {
  worker w { run "node bench/workers/noop.js" replicas 2 }
  xs = range(n) | w.noop parallel p
  x  = xs | last
  emit x
}`;

/** CPU seconds of the browser's processes (our children named chrom*: the browser, its renderers, GPU and utility processes), from /proc. */
function chromiumCpuSeconds(): number {
  const root = process.pid;
  const tick = 100;
  const read = (pid: number): string | undefined => {
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return undefined;
    }
  };
  const stat = (pid: number): string[] | undefined => {
    const s = read(pid);
    return s?.slice(s.lastIndexOf(")") + 2).split(" ");
  };
  const isChromium = (pid: number): boolean => /\(chrom/i.test(read(pid) ?? "");
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const parent = new Map(all.map((p) => [p, Number(stat(p)?.[1] ?? -1)]));
  const inTree = (p: number): boolean => {
    for (let q = p, n = 0; q > 1 && n < 50; q = parent.get(q) ?? -1, n++) if (q === root) return true;
    return false;
  };
  let ticks = 0;
  for (const p of all) {
    if (p === root || !isChromium(p) || !inTree(p)) continue;
    const f = stat(p);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / tick;
}

function irFor(n: number): FlowIR {
  const { ir, diagnostics } = compile(FLOW, { file: "overhead.flow", params: { n: String(n) } });
  if (!ir) throw new Error(diagnostics.map((d) => d.message).join("; "));
  return ir;
}

export default async function ui(): Promise<Record<string, unknown>> {
  const loadBefore = load();
  const dir = makeTemp("ui");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const server = await UiServer.start({ cwd: dir, port: 0 });
  const best = new Map<string, number>();
  const keep = (key: string, v: number): void => void best.set(key, Math.max(best.get(key) ?? 0, v));
  const connectedAfterMs: number[] = [];
  const chromiumCpuMs = new Map<number, number[]>();
  const eventsSeen = new Map<number, number>();
  let freshTabMs = 0;
  const tab = await browser.newPage();
  let runs = 0;
  try {
    const run = async (n: number, withUi: boolean): Promise<number> => {
      const handle = startRun(irFor(n), { cwd: REPO, runDir: join(dir, `run-${runs++}`) });
      const cpu0 = chromiumCpuSeconds();
      if (withUi) {
        server.addRun(handle.dir.path);
        let firstCall = 0;
        handle.events.on("event", (e) => {
          if (firstCall === 0 && (e.type === "call.started" || e.type === "call.finished")) firstCall = Date.now();
        });
        await tab.goto(server.url(handle.dir.id));
        await tab.locator('#stream[data-state="open"]').waitFor();
        connectedAfterMs.push(firstCall === 0 ? 0 : Date.now() - firstCall);
      }
      const outcome = await handle.outcome;
      if (outcome.stats.find((s) => s.step === "xs")?.callsDone !== n) throw new Error(`ui bench: unexpected run ${JSON.stringify(outcome.calls)}`);
      if (withUi) {
        // the page stays until it has read the whole log, as someone watching would
        await tab.locator('#stream[data-state="ended"]').waitFor({ timeout: 60_000 });
        eventsSeen.set(n, Number(await tab.locator("#stream").getAttribute("data-events")));
        chromiumCpuMs.set(n, [...(chromiumCpuMs.get(n) ?? []), (chromiumCpuSeconds() - cpu0) * 1000]);
      }
      await rm(handle.dir.path, { recursive: true, force: true });
      return (n * 1000) / outcome.elapsedMs;
    };
    // warm-up (JIT here and in the workers, the tab's first page)
    await run(SIZES[0]!, false);
    await run(SIZES[0]!, true);
    {
      const cpu0 = chromiumCpuSeconds();
      const fresh = await browser.newPage();
      await fresh.goto(server.url());
      await fresh.locator("#runs").waitFor();
      freshTabMs = (chromiumCpuSeconds() - cpu0) * 1000;
      await fresh.close();
    }
    for (let i = 1; i <= ROUNDS; i++) {
      for (const n of SIZES) {
        keep(`plain_${n}`, await run(n, false));
        keep(`ui_${n}`, await run(n, true));
      }
      log("ui", `round ${i}/${ROUNDS}: ${JSON.stringify(Object.fromEntries([...best].map(([k, v]) => [k, round(v)])))} calls/s`);
    }
  } finally {
    await server.close();
    await browser.close();
    removeTemp(dir);
  }
  const out: Record<string, unknown> = { replicas: 2, parallel: 1024, rounds: ROUNDS };
  const ratios = SIZES.map((n) => best.get(`ui_${n}`)! / best.get(`plain_${n}`)!);
  SIZES.forEach((n, i) => {
    Object.assign(out, {
      [`calls_${n}_without_ui_calls_per_s`]: round(best.get(`plain_${n}`)!),
      [`calls_${n}_with_ui_and_browser_calls_per_s`]: round(best.get(`ui_${n}`)!),
      [`calls_${n}_ui_over_plain`]: round(ratios[i]!, 3),
      [`calls_${n}_chromium_cpu_ms_per_watched_run`]: round(Math.min(...(chromiumCpuMs.get(n) ?? [NaN]))),
      [`calls_${n}_events_the_page_read`]: eventsSeen.get(n),
    });
  });
  return Object.assign(out, {
    goal_ui_over_plain: 0.9,
    worst_ui_over_plain: round(Math.min(...ratios), 3),
    goal_met: Math.min(...ratios) >= 0.9,
    page_connected_ms_after_first_call_max: round(Math.max(...connectedAfterMs)),
    fresh_tab_chromium_cpu_ms: round(freshTabMs),
    load_before: loadBefore,
    load_after: load(),
  });
}
