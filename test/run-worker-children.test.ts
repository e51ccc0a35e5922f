/**
 * Workers that are more than one process: a command the shell does not exec (`cd dir &&
 * node w.js`: the shell stays, the worker is its child), a command that starts a background
 * child before the worker (`sleep 1000 & exec node w.js`), and a worker that spawns a child
 * process of its own. `qb run` must leave none of their processes behind, whether the run
 * ends normally or fails. Each test first checks that the extra process really exists while
 * the run is up, so "nothing left" is not said of a group that only ever had one process.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";
import { alive, groupMembers, pidsOf, startQb } from "./support/qb-process.js";

const dir = mkdtempSync(join(tmpdir(), "qb-worker-children-"));
const PROBE = join(ROOT, "test/workers/probe.js");

// a worker that spawns a child (a plain `sleep`, in its process group as children are) and
// writes its pid to the run's land, then serves as the probe worker does
const SPAWNER = join(dir, "spawner.mjs");
writeFileSync(
  SPAWNER,
  `import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
const child = spawn("sleep", ["1000"], { stdio: "ignore" });
appendFileSync(process.env.QB_LAND + "/children.txt", child.pid + "\\n");
await import(${JSON.stringify(PROBE)});
`,
);

/**
 * [what it is, its command]. The first two leave a zombie in the group when SIGTERM ends it
 * (a process outlives its parent and waits for PID 1 to reap it): the teardown must not
 * count it as alive, or it waits out its whole grace period.
 */
const WORKERS: Array<[string, string]> = [
  ["`cd dir && node w.js` (the shell stays, the worker is its child)", `cd ${dir} && node ${PROBE}`],
  ["`sleep 1000 & exec node w.js` (a background child beside the worker)", `sleep 1000 & exec node ${PROBE}`],
  ["a worker that spawns a child process of its own", `node ${SPAWNER}`],
];

const NORMAL = "  s = [{ms: 10, v: 1}, {ms: 10, v: 2}] | p.sleep\n  emit s";
// the failure comes after 1 s, so the groups are seen while the run goes (under load, a
// failure at once could end the run before the first look)
const FAILING = "  s = [{ms: 300, v: 1}, {ms: 60000, v: 2}] | p.sleep\n  w = [{ms: 1000, v: 1}] | p.sleep\n  f = w | p.flaky(id: item, fails: 9)\n  emit s, f";
const OUTCOMES: Array<[string, string, number]> = [
  ["ends normally", NORMAL, 0],
  ["fails", FAILING, 1],
];

let n = 0;

/** Runs `body` with worker `p` started by `command` (2 replicas); what was in the groups while it ran, and after. */
async function runWith(command: string, body: string) {
  const path = join(dir, `w${n++}.flow`);
  writeFileSync(path, `flow children() {\n  worker p { run "${command}" replicas 2 }\n${body}\n}\n`);
  const run = startQb(["run", "--json", path]);
  await run.waitFor((e) => e.type === "pod.started");
  const pids = pidsOf(run);
  // the second process of a group may start a moment after the worker answers its health
  // check; `cd dir && node` is one process where the shell execs its last command (dash)
  const want = command.startsWith("cd ") ? 2 : 4;
  let members = await groupMembers(pids);
  for (const until = Date.now() + 2_000; members.length < want && Date.now() < until; members = await groupMembers(pids))
    await new Promise((r) => setTimeout(r, 20));
  const { code, at: exitedAt } = await run.exit;
  const left = await groupMembers(pids);
  const survivors = members.filter((p) => alive(p));
  // never leave them running, whatever the assertions say
  for (const p of [...left, ...survivors])
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone already
    }
  return { run, pids, members, code, exitedAt, left, survivors };
}

describe.each(WORKERS)("a worker started as %s", (_, command) => {
  it.each(OUTCOMES)("leaves no process of its group when the run %s", async (_outcome, body, expectedCode) => {
    const { run, pids, members, code, left, survivors } = await runWith(command, body);
    expect(pids).toHaveLength(2);
    // every replica's group held its processes while it ran: the worker and, but for `cd dir && node` under a shell that execs it, another one
    expect(members.length).toBeGreaterThanOrEqual(command.startsWith("cd ") ? 2 : 4);
    expect({ code, stderr: run.stderr }).toMatchObject({ code: expectedCode });
    expect({ left, survivors }).toEqual({ left: [], survivors: [] });
    if (command.includes(SPAWNER)) {
      // the children it spawned, by pid: one per replica, and gone
      const started = run.events.find((e) => e.type === "run.started") as { runId: string };
      const children = readFileSync(join(ROOT, ".qb", "runs", started.runId, "land", "children.txt"), "utf8")
        .trim()
        .split("\n")
        .map(Number);
      expect(children).toHaveLength(2);
      expect(children.every((p) => members.includes(p))).toBe(true);
      expect(children.filter((p) => alive(p))).toEqual([]);
    }
  });

  // docs/runtime.md: after a failure the run ends within a second
  it("ends within 1 s of a failure", async () => {
    const { run, code, exitedAt } = await runWith(command, FAILING);
    expect(code).toBe(1);
    const failed = run.events.find((e) => e.type === "call.failed") as { time: number };
    expect(exitedAt - failed.time).toBeLessThan(1000);
  });
});
