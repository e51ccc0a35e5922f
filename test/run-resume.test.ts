/**
 * `qb run --resume` end to end (issue 12): real `qb run` processes and real workers, the
 * calls each run sent counted from the workers' own logs (the md5 worker's `md5 file` lines,
 * the probe worker's `start echo` lines in its run's land), never from qb's own counters.
 */
import {
  mkdirSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  chmodSync,
  unlinkSync,
  writeFileSync,
  appendFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sequence } from "../examples/workers/mulberry32.js";
import { ACCEPTANCE, ROOT } from "./support/examples.js";
import { groupMembers, pidsOf, startQb, type QbRun } from "./support/qb-process.js";

const MD5 = `node ${join(ROOT, "examples/workers/md5.js")}`;
const PROBE = `node ${join(ROOT, "test/workers/probe.js")}`;
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function temp(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `qb-resume-${name}-`));
  temps.push(d);
  return d;
}

interface Ran {
  code: number | null;
  result: Record<string, unknown[]> | undefined;
  runId: string;
  runDir: string;
  finished: { calls: { done: number; reused: number; failed: number } } | undefined;
  stderr: string;
  run: QbRun;
}

/** `qb run --json FLOW ARGS` in `cwd`, to its end. */
async function qb(cwd: string, flow: string, ...args: string[]): Promise<Ran> {
  const run = startQb(["run", "--json", flow, ...args], cwd);
  const { code } = await run.exit;
  const started = run.events.find((e) => e.type === "run.started") as { runId: string } | undefined;
  if (!started) throw new Error(`qb run sent no run.started; stderr:\n${run.stderr}`);
  const result = run.events.find((e) => e.type === "result") as { result: Record<string, unknown[]> } | undefined;
  return {
    code,
    result: result?.result,
    runId: started.runId,
    runDir: join(cwd, ".qb", "runs", started.runId),
    finished: run.events.find((e) => e.type === "run.finished") as Ran["finished"],
    stderr: run.stderr,
    run,
  };
}

/** The files the md5 workers of a run were asked to read, from their logs. */
function md5Calls(runDir: string): string[] {
  const logs = join(runDir, "logs");
  return readdirSync(logs)
    .filter((f) => f.startsWith("md5-"))
    .flatMap((f) => readFileSync(join(logs, f), "utf8").split("\n"))
    .filter((l) => l.startsWith("md5 file "))
    .map((l) => JSON.parse(l.slice("md5 file ".length)) as string);
}

/** The echo calls the probe workers of a run started, from the probe log in its land. */
function echoCalls(runDir: string): string[] {
  const log = join(runDir, "land", "probe.log");
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("start echo "))
    .map((l) => l.split(" ")[2]!);
}

/** The records of a run's journal, torn lines left out. */
function journalRecords(runDir: string): Array<{ k: string; s: string; o?: unknown }> {
  const text = readFileSync(join(runDir, "journal.ndjson"), "utf8");
  const out: Array<{ k: string; s: string; o?: unknown }> = [];
  for (const line of text.split("\n").slice(0, -1)) {
    try {
      const r = JSON.parse(line) as { k?: unknown; s: string; o?: unknown };
      if (typeof r.k === "string") out.push(r as { k: string; s: string; o?: unknown });
    } catch {
      // torn
    }
  }
  return out;
}

function digestFlow(
  dir: string,
  body = "digests = files | md5.file(path: item.file, name: item.path) parallel 8\n  table = digests | gather | md5.index\n  emit table",
): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "digest.flow");
  writeFileSync(path, `flow digest(root: string = ".") {\n  worker md5 { run "${MD5}" replicas 2 }\n  files = glob("**/*", root: root)\n  ${body}\n}\n`);
  return path;
}

describe("resume after a failure (the cancel scenario's second half)", () => {
  it("sends calls only for the files that did not finish, and the result equals md5sum's", async () => {
    const dir = temp("digest");
    const tree = join(dir, "tree");
    cpSync(join(ACCEPTANCE, "digest", "tree"), tree, { recursive: true });
    const bad = "a0/b c1/a0/file 058.bin";
    const original = join(ACCEPTANCE, "digest", "tree", bad);
    expect(existsSync(original)).toBe(true);
    unlinkSync(join(tree, bad));
    if (process.getuid?.() === 0)
      symlinkSync("/proc/self/mem", join(tree, bad)); // root reads any file; this fails with EIO
    else {
      copyFileSync(original, join(tree, bad));
      chmodSync(join(tree, bad), 0o000);
    }
    const flow = digestFlow(dir);

    const failed = await qb(dir, flow, "--param", `root=${tree}`);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(bad);
    const finished = journalRecords(failed.runDir).filter((r) => r.s === "digests");
    const files = md5Calls(failed.runDir);
    expect(finished.length).toBeLessThan(150);
    // what finished is what the journal holds: every journaled file was read by a worker
    const finishedFiles = new Set(finished.map((r) => join(tree, (r.o as { name: string }).name)));
    for (const f of finishedFiles) expect(files).toContain(f);

    // the file is fixed
    unlinkSync(join(tree, bad));
    copyFileSync(original, join(tree, bad));
    const resumed = await qb(dir, flow, "--param", `root=${tree}`, "--resume", failed.runId);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(resumed.result!.table![0]).toEqual(JSON.parse(readFileSync(join(ACCEPTANCE, "expected", "digest.json"), "utf8")));
    const sent = md5Calls(resumed.runDir);
    expect(sent.length).toBe(150 - finished.length);
    expect(sent).toContain(join(tree, bad));
    for (const f of sent) expect(finishedFiles.has(f)).toBe(false);
    expect(new Set([...sent, ...finishedFiles]).size).toBe(150);
    // qb's own account agrees: the journaled calls were reused, the index ran
    expect(resumed.finished!.calls).toEqual({ done: 151, reused: finished.length, failed: 0 });
    expect(resumed.run.events.find((e) => e.type === "run.resumed")).toMatchObject({ from: failed.runId, journaled: finished.length, torn: 0 });
    const record = JSON.parse(readFileSync(join(resumed.runDir, "run.json"), "utf8")) as Record<string, unknown>;
    expect(record).toMatchObject({ status: "finished", resumedFrom: failed.runId, calls: { done: 151, reused: finished.length } });
    expect(JSON.parse(readFileSync(join(failed.runDir, "run.json"), "utf8"))).toMatchObject({ status: "failed" });
    expect(await groupMembers([...pidsOf(failed.run), ...pidsOf(resumed.run)])).toEqual([]);
  });
});

describe("what the key covers", () => {
  const keysFlow = (dir: string): string => {
    const path = join(dir, "keys.flow");
    writeFileSync(
      path,
      `flow keys(n: int = 10, k: int = 1, v: string = "1.0.0") {\n  worker p { run "${PROBE}" env {PROBE_VERSION: v} }\n  xs = range(n) | p.echo(x: item, k: k)\n  emit xs\n}\n`,
    );
    return path;
  };

  it("reruns exactly the calls a changed param or worker version affects, and nothing on an unchanged rerun", async () => {
    const dir = temp("keys");
    const flow = keysFlow(dir);
    const first = await qb(dir, flow);
    expect(echoCalls(first.runDir)).toHaveLength(10);
    // unchanged: nothing is sent (no false miss)
    const same = await qb(dir, flow, "--resume");
    expect(same.code).toBe(0);
    expect(echoCalls(same.runDir)).toEqual([]);
    expect(same.result).toEqual(first.result);
    // two more items: only they run
    const more = await qb(dir, flow, "--param", "n=12", "--resume");
    expect(echoCalls(more.runDir).sort()).toEqual([JSON.stringify({ x: 10, k: 1 }), JSON.stringify({ x: 11, k: 1 })]);
    expect(more.finished!.calls).toEqual({ done: 12, reused: 10, failed: 0 });
    // a param that reaches every input: all run
    const k2 = await qb(dir, flow, "--param", "n=12", "--param", "k=2", "--resume");
    expect(echoCalls(k2.runDir)).toHaveLength(12);
    // a new version of the worker: all run, though the inputs are the same
    const v2 = await qb(dir, flow, "--param", "n=12", "--param", "k=2", "--param", "v=2.0.0", "--resume");
    expect(echoCalls(v2.runDir)).toHaveLength(12);
    expect(v2.finished!.calls.reused).toBe(0);
    // and back to the earlier version: resumed from the latest run, whose key had 2.0.0
    const back = await qb(dir, flow, "--param", "n=12", "--param", "k=2", "--resume", k2.runId);
    expect(echoCalls(back.runDir)).toEqual([]);
  });

  it("keys a globbed file by its content: a changed file reruns its call, a renamed one only where its name reaches the input", async () => {
    const dir = temp("files");
    const tree = join(dir, "tree");
    const names = ["a.txt", "b.txt", "c d.txt", "é.txt", "e.txt"];
    mkdirSync(tree);
    names.forEach((n, i) => writeFileSync(join(tree, n), `file ${i}\n`.repeat(i + 1)));
    const flow = digestFlow(dir);
    const first = await qb(dir, flow, "--param", `root=${tree}`);
    expect(first.code).toBe(0);
    expect(md5Calls(first.runDir)).toHaveLength(names.length);

    // the content of one file changes: its call runs again (and the index of them all)
    appendFileSync(join(tree, names[0]!), "changed");
    const changed = await qb(dir, flow, "--param", `root=${tree}`, "--resume");
    expect(md5Calls(changed.runDir)).toEqual([join(tree, names[0]!)]);
    expect(changed.finished!.calls).toEqual({ done: names.length + 1, reused: names.length - 1, failed: 0 });

    // renamed, same content: the flow passes the name, so that call runs again
    renameSync(join(tree, names[1]!), join(tree, `renamed ${names[1]}`));
    const renamed = await qb(dir, flow, "--param", `root=${tree}`, "--resume");
    expect(md5Calls(renamed.runDir)).toEqual([join(tree, `renamed ${names[1]}`)]);
    expect(renamed.result!.table![0]).toHaveProperty(`renamed ${names[1]}`);

    // a flow that passes only the file: a rename reuses its call (the key is the content)
    const byContent = digestFlow(join(dir, "by-content-flow"), 'digests = files | md5.file(path: item.file, name: "x")\n  emit digests');
    const before = await qb(dir, byContent, "--param", `root=${tree}`);
    expect(md5Calls(before.runDir)).toHaveLength(names.length);
    renameSync(join(tree, names[2]!), join(tree, `moved ${names[2]}`));
    const after = await qb(dir, byContent, "--param", `root=${tree}`, "--resume");
    expect(md5Calls(after.runDir)).toEqual([]);
    expect(after.finished!.calls.reused).toBe(names.length);
  });
});

describe("a crash at any moment", () => {
  const N = 20_000;
  const crashFlow = (dir: string): string => {
    const path = join(dir, "crash.flow");
    writeFileSync(path, `flow crash(n: int = ${N}) {\n  worker p { run "${PROBE}" replicas 2 }\n  xs = range(n) | p.echo(item) parallel 256\n  emit xs\n}\n`);
    return path;
  };

  it("resumes a run killed with SIGKILL (10 seeded moments): the same result as a clean run, every finished call reused, none sent twice", async () => {
    const dir = temp("crash");
    const flow = crashFlow(dir);
    const rnd = sequence(20261202);
    const clean = Array.from({ length: N }, (_, i) => i);
    // how long the calls take here, from the pod's start to the end: each kill comes within
    // the first 60% of it (a fixed 1.5 s outlasted the whole run on a quiet machine, and a
    // run that has finished is no crash)
    const timing = startQb(["run", "--json", flow], dir);
    await timing.waitFor((e) => e.type === "pod.started");
    const podAt = Date.now();
    const { at } = (await timing.exit) as { at: number };
    const runMs = at - podAt;
    for (let i = 0; i < 10; i++) {
      const run = startQb(["run", "--json", flow], dir);
      const started = (await run.waitFor((e) => e.type === "run.started")) as { runId: string };
      await run.waitFor((e) => e.type === "pod.started");
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 0.6 * runMs)));
      run.child.kill("SIGKILL");
      await run.exit;
      const killedDir = join(dir, ".qb", "runs", started.runId);
      if (i === 3) appendFileSync(join(killedDir, "journal.ndjson"), '{"k":"torn-by-the-test","s":"xs","o":'); // a torn last record
      const journaled = new Set(journalRecords(killedDir).map((r) => r.k)).size;
      const resumed = await qb(dir, flow, "--resume", started.runId);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect([...(resumed.result!.xs as number[])].sort((a, b) => a - b)).toEqual(clean);
      const sent = echoCalls(resumed.runDir);
      expect(sent.length, `kill ${i}: ${journaled} journaled`).toBe(N - journaled);
      expect(new Set(sent).size).toBe(sent.length);
      expect(resumed.finished!.calls).toEqual({ done: N, reused: journaled, failed: 0 });
      expect(resumed.run.events.find((e) => e.type === "run.resumed")).toMatchObject({ journaled, torn: i === 3 ? 1 : expect.any(Number) });
      // the killed run's workers went with it, and the resumed run's too
      expect(await groupMembers([...pidsOf(run), ...pidsOf(resumed.run)])).toEqual([]);
      expect(JSON.parse(readFileSync(join(killedDir, "run.json"), "utf8"))).toMatchObject({ status: "running" });
    }
  }, 240_000);
});
