/**
 * Chaos: 10,000 items through two worker stages while a seeded driver SIGKILLs replicas of
 * the first worker (3 spawned replicas, slow to become healthy again), stalls them
 * (SIGSTOP, then SIGCONT), and cuts the Session streams of the second (2 attached replicas
 * behind proxies). The result must equal the clean run's, every item accounted for, the
 * run must end within its bound, and nothing of the pod may be left running. The seed is
 * in every failure message; `CHAOS_SEED=n` replays one.
 */
import { readFileSync, readdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cuttingProxy } from "./support/cutting-proxy.js";
import { ROOT } from "./support/examples.js";
import { alive, groupMembers, startQb } from "./support/qb-process.js";
import { startWorker, type RunningWorker } from "./worker-fixtures/helpers.js";
import { sequence } from "../examples/workers/mulberry32.js";

const ITEMS = 10_000;
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1e9));
const dir = mkdtempSync(join(tmpdir(), "qb-chaos-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The chaos worker processes `qb run` started itself, by replica (its children running test/workers/chaos.js). */
function replicasOf(qbPid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== qbPid || !readFileSync(`/proc/${e}/cmdline`, "utf8").includes("chaos.js")) continue;
      const replica = /(?:^|\0)QB_REPLICA=(\d+)/.exec(readFileSync(`/proc/${e}/environ`, "utf8"));
      if (replica) out.set(Number(replica[1]), Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe(`chaos (seed ${SEED})`, () => {
  const attached: RunningWorker[] = [];
  afterAll(async () => Promise.all(attached.map((w) => w.stop())));

  it("kills, stalls and stream cuts: the same result as a clean run, every item accounted for, nothing left", async () => {
    const rnd = sequence(SEED);
    for (let i = 0; i < 2; i++) attached.push(await startWorker(`node ${join(ROOT, "test/workers/chaos.js")}`));
    const proxies = await Promise.all(attached.map((w, i) => cuttingProxy(join(dir, `p${i}.sock`), w.address.replace(/^unix:/, ""))));
    const flow = join(dir, "chaos.flow");
    writeFileSync(
      flow,
      // the cut stage gets more retries: under a loaded machine a call is slower, so more of
      // its attempts meet a cut (an action every 60-200 ms), and 11 attempts ran out in CI
      `flow chaos() {
  worker a { run "node ${ROOT}/test/workers/chaos.js" replicas 3 env {CHAOS_SLOW_START_MS: "400"} }
  worker b { at "unix:${join(dir, "p0.sock")}", "unix:${join(dir, "p1.sock")}" }
  xs = range(${ITEMS})
  ya = xs | a.echo parallel 48 timeout 2s retry 10 backoff 20ms
  yb = ya | b.echo parallel 48 timeout 2s retry 20 backoff 20ms
  emit yb
}
`,
    );
    const t0 = Date.now();
    const run = startQb(["run", "--json", flow, "--run-dir", join(dir, "run")]);
    await run.waitFor((e) => e.type === "pod.started");
    const done = { kills: 0, stalls: 0, cuts: 0 };
    const killsOf = new Map<number, number>();
    const seen = new Set<number>();
    let ended = false;
    void run.exit.then(() => (ended = true));
    // the driver: an action every 60-200 ms until the run ends
    const driver = (async () => {
      while (!ended) {
        await new Promise((r) => setTimeout(r, 60 + rnd() * 140));
        if (ended) break;
        const pids = replicasOf(run.child.pid!);
        for (const p of pids.values()) seen.add(p);
        const roll = rnd();
        const replica = Math.floor(rnd() * 3);
        const pid = pids.get(replica);
        if (roll < 0.25 && pid !== undefined && (killsOf.get(replica) ?? 0) < 2) {
          // at most 2 kills per replica: the pod restarts a replica 3 times at most
          killsOf.set(replica, (killsOf.get(replica) ?? 0) + 1);
          process.kill(pid, "SIGKILL");
          done.kills++;
        } else if (roll < 0.45 && pid !== undefined) {
          process.kill(pid, "SIGSTOP");
          done.stalls++;
          const ms = 200 + rnd() * 1_200;
          setTimeout(() => {
            try {
              process.kill(pid, "SIGCONT");
            } catch {
              // it was killed meanwhile
            }
          }, ms);
        } else if (roll < 0.75) {
          done.cuts += proxies[Math.floor(rnd() * proxies.length)]!.cut() > 0 ? 1 : 0;
        }
      }
    })();
    const exited = await Promise.race([run.exit, new Promise<null>((r) => setTimeout(() => r(null), 90_000))]);
    ended = true;
    await driver;
    if (exited === null) run.child.kill("SIGKILL");
    const why = `seed ${SEED}; chaos ${JSON.stringify(done)}; last event ${JSON.stringify(run.events.at(-1)).slice(0, 1500)}; stderr:\n${run.stderr}`;
    expect(exited, `the run did not end within 90 s (${why})`).not.toBeNull();
    expect(exited!.code, why).toBe(0);
    // the chaos happened: this run proves something
    expect(done.kills + done.stalls + done.cuts, why).toBeGreaterThan(3);
    const result = (run.events.at(-1) as { result: { yb: number[] } }).result.yb;
    expect(
      [...result].sort((x, y) => x - y),
      why,
    ).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
    // every call accounted for: done, after retries if need be; none failed for good
    const finished = run.events.filter((e) => e.type === "step.finished") as Array<{ step: string; items: number }>;
    expect(finished.find((e) => e.step === "ya")?.items, why).toBe(ITEMS);
    expect(finished.find((e) => e.step === "yb")?.items, why).toBe(ITEMS);
    expect(
      run.events.filter((e) => e.type === "call.failed"),
      why,
    ).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(90_000);
    // nothing of the pod is left: every worker process seen, and its group
    await new Promise((r) => setTimeout(r, 300));
    expect([...seen].filter(alive), why).toEqual([]);
    expect(await groupMembers([...seen]), why).toEqual([]);
    for (const p of proxies) await p.close();
  }, 120_000);
});
