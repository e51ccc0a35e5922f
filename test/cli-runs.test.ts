/**
 * `qb runs`, `qb runs show`, `qb runs prune` and `qb logs` as a user runs them: real `qb run`s
 * of example flows (and a slow and a hostile worker) in a folder of their own, then the
 * history commands as real processes against what those runs left in .qb/runs.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";

const QB = join(ROOT, "bin/qb.js");
const tmp = mkdtempSync(join(tmpdir(), "qb-cli-runs-"));
const ESC = "\x1b";

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function qb(...args: string[]): Ran {
  const r = spawnSync(process.execPath, [QB, ...args], { cwd: tmp, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Record_ {
  id: string;
  flow: string;
  file?: string;
  params?: Record<string, string>;
  status: string;
  startedAt: number;
  finishedAt?: number;
  calls?: { done: number; reused: number; failed: number };
  error?: string;
  resumedFrom?: string;
  dir: string;
}

function runsJson(): Record_[] {
  const r = qb("runs", "--json");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Record_[];
}

/** `qb run` in the folder; the id of the run it made. */
function run(expectedStatus: number, ...args: string[]): string {
  const before = new Set(runsJson().map((r) => r.id));
  const r = qb("run", ...args);
  expect(r.status, r.stderr).toBe(expectedStatus);
  const made = runsJson().filter((x) => !before.has(x.id));
  expect(made).toHaveLength(1);
  return made[0]!.id;
}

/** An example flow copied into the folder, its worker run from the repository. */
function example(name: string): string {
  const path = join(tmp, `${name}.flow`);
  writeFileSync(path, readFileSync(join(ROOT, "examples", `${name}.flow`), "utf8").replaceAll('run "node examples/', `run "node ${ROOT}/examples/`));
  return path;
}

/** Local `YYYY-MM-DD HH:MM:SS`, as the table shows a start. */
function localStart(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// a worker that writes `tick i` to its stderr, 100 ms per call; from tick 2 on it waits for the file `go` (the
// test makes it once `qb logs --follow` has printed tick 1: what follows can only have been followed)
writeFileSync(
  join(tmp, "slow.mjs"),
  `import { existsSync } from "node:fs";
const { serveWorker } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "dist/worker/bundled.js")).href)});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await serveWorker(
  {
    tick: async (i) => {
      for (let waited = 0; i >= 2 && !existsSync("go") && waited < 20000; waited += 25) await sleep(25);
      process.stderr.write("tick " + i + "\\n");
      await sleep(100);
      return i;
    },
  },
  { name: "slow", version: "1" },
);
`,
);
writeFileSync(join(tmp, "slow.flow"), `flow slow(n: int = 5) {\n  worker w { run "node slow.mjs" }\n  ticks = range(n) | w.tick parallel 1\n  emit ticks\n}\n`);
// stderr, errors and the version of test/workers/hostile.ts carry escape sequences and a bidi override
writeFileSync(
  join(tmp, "hostile.flow"),
  `flow hostile() {\n  worker h { run "node ${ROOT}/test/workers/hostile.js" }\n  warned = range(1) | h.warn\n  failed = warned | h.fail\n  emit failed\n}\n`,
);
// the digest flow's files under a folder whose name needs quoting in a shell
const dataDir = join(tmp, "data dir's");
mkdirSync(dataDir);
cpSync(join(ROOT, "examples/data/digest"), dataDir, { recursive: true });
const DIGEST_FILES = ["empty.bin", "hello.txt", "nested/deep dir/données.txt", "nested/digits.txt"];

const ids = { pi: "", digest: "", hostile: "" };

beforeAll(() => {
  ids.pi = run(0, example("pi"), "--param", "samples=2000", "--param", "shards=2");
  ids.digest = run(0, example("digest"), "--param", `root=${dataDir}`);
  ids.hostile = run(1, join(tmp, "hostile.flow"));
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("qb runs", () => {
  it("lists the runs newest first: id, flow, status, local start, duration, calls done/reused/failed", () => {
    const r = qb("runs");
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +FLOW +STATUS +STARTED +DURATION +CALLS done\/reused\/failed$/);
    expect(lines).toHaveLength(4);
    const records = runsJson();
    const expected: Array<[string, string, string, string]> = [
      [ids.hostile, "hostile", "failed", "1/0/1"],
      [ids.digest, "digest", "finished", "5/0/0"],
      [ids.pi, "estimate_pi", "finished", "4/0/0"],
    ];
    expected.forEach(([id, flow, status, calls], i) => {
      const cells = lines[i + 1]!.split(/ {2,}/);
      const record = records.find((x) => x.id === id)!;
      expect(cells).toEqual([id, flow, status, localStart(record.startedAt), expect.stringMatching(/^\d+\.\d\ds$/), calls]);
    });
  });

  it("--json: one JSON list of the run records, newest first, each with its directory", () => {
    const records = runsJson();
    expect(records.map((r) => r.id)).toEqual([ids.hostile, ids.digest, ids.pi]);
    const pi = records[2]!;
    expect(pi).toMatchObject({ flow: "estimate_pi", status: "finished", file: join(tmp, "pi.flow"), params: { samples: "2000", shards: "2" } });
    expect(pi.calls).toEqual({ done: 4, reused: 0, failed: 0 });
    expect(pi.dir).toBe(join(tmp, ".qb", "runs", ids.pi));
    expect(records[0]!.error).toContain(`bad input ${ESC}]0;pwned`);
  });
});

describe("qb runs show", () => {
  it("shows a run named by a unique prefix: facts, steps with their counts, the result and how to resume it", () => {
    const r = qb("runs", "show", ids.pi.slice(0, -3));
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`run       ${ids.pi}\n`);
    expect(out).toContain(`flow      estimate_pi  ${join(tmp, "pi.flow")}\n`);
    expect(out).toContain("params    samples=2000 shards=2\n");
    expect(out).toContain("status    finished\n");
    expect(out).toContain("calls     4 done, 0 reused, 0 failed\n");
    expect(out).toContain(`directory ${join(tmp, ".qb", "runs", ids.pi)}\n`);
    expect(out).toContain(`resume    qb run ${join(tmp, "pi.flow")} --resume ${ids.pi} --param samples=2000 --param shards=2\n`);
    const steps = out.slice(out.indexOf("\nsteps\n"), out.indexOf("\nresult\n")).trim().split("\n").slice(1);
    expect(steps.map((l) => l.trim().split(/ {2,}/))).toEqual([
      ["STEP", "STATE", "ITEMS", "CALLS DONE", "CALLING"],
      ["seeds", "finished", "2 items", "-"],
      ["hits", "finished", "2 items", "2", "mc.sample"],
      ["total", "finished", "1 item", "1", "mc.add"],
      ["pi", "finished", "1 item", "1", "mc.ratio"],
    ]);
    const result = JSON.parse(out.slice(out.indexOf("\nresult\n") + 8)) as { pi: number[] };
    expect(result.pi[0]).toBeGreaterThan(2.5);
    expect(result.pi[0]).toBeLessThan(3.7);
  });

  it("--json: the record, the steps, the result and the resume command as one object", () => {
    const r = qb("runs", "show", ids.digest, "--json");
    expect(r.status).toBe(0);
    const shown = JSON.parse(r.stdout) as Record_ & {
      steps: Array<{ step: string; state: string; items?: number; calls: string[]; callsDone?: number; callsFailed: number }>;
      result: { table: Array<Record<string, string>> };
      resumeCommand: string;
    };
    expect(shown.id).toBe(ids.digest);
    expect(shown.dir).toBe(join(tmp, ".qb", "runs", ids.digest));
    expect(shown.steps.map((s) => [s.step, s.state, s.items, s.calls, s.callsDone, s.callsFailed])).toEqual([
      ["files", "finished", 4, [], undefined, 0],
      ["digests", "finished", 4, ["md5.file"], 4, 0],
      ["table", "finished", 1, ["md5.index"], 1, 0],
    ]);
    expect(Object.keys(shown.result.table[0]!)).toEqual(DIGEST_FILES);
    // the folder's name has a space and a quote: one shell word all the same
    expect(shown.resumeCommand).toBe(`qb run ${join(tmp, "digest.flow")} --resume ${ids.digest} --param 'root=${dataDir.replace("'", `'\\''`)}'`);
  });

  it("shows a failed run's error and failed step with the worker's control characters escaped; --json keeps them", () => {
    const r = qb("runs", "show", "latest");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`run       ${ids.hostile}\n`);
    expect(r.stdout).toContain("status    failed\n");
    expect(r.stdout).toMatch(
      /\n {2}failed +failed +- +0 +h\.fail +1 call failed\n {6}step `failed`: h\.fail .*bad input \\x1b\]0;pwned\\x07\\x1b\[2J\\u202eevil\n/,
    );
    expect(r.stdout).toMatch(/\nerror\n {2}step `failed`: .*bad input \\x1b\]0;pwned\\x07\\x1b\[2J\\u202eevil\n$/);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).not.toContain("\u202e");
    const shown = JSON.parse(qb("runs", "show", "latest", "--json").stdout) as Record_ & { steps: Array<{ step: string; error?: string }>; result?: unknown };
    expect(shown.error).toContain(`bad input ${ESC}]0;pwned\x07${ESC}[2J\u202eevil`);
    expect(shown.steps.find((s) => s.step === "failed")!.error).toContain(`${ESC}]0;pwned`);
    expect(shown.result).toBeUndefined();
  });
});

describe("qb logs", () => {
  it("prints every replica's log lines, each after its worker/replica", () => {
    const r = qb("logs", ids.digest);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    for (const l of lines) expect(l).toMatch(/^md5\/[01] \| /);
    const files = lines.filter((l) => l.includes("| md5 file "));
    expect(files.map((l) => JSON.parse(l.slice(l.indexOf("md5 file ") + 9)) as string).sort()).toEqual(DIGEST_FILES.map((f) => join(dataDir, f)));
    // replica 0's lines, then replica 1's
    const replicas = lines.map((l) => l.slice(0, 5));
    expect(replicas).toEqual([...replicas].sort());
  });

  it("--worker and --replica keep one replica's lines; --json gives {worker, replica, line} per line", () => {
    const all = qb("logs", ids.digest, "--json")
      .stdout.trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { worker: string; replica: number; line: string });
    for (const l of all) expect(Object.keys(l)).toEqual(["worker", "replica", "line"]);
    expect(all.filter((l) => l.line.startsWith("md5 file "))).toHaveLength(4);
    const r = qb("logs", ids.digest, "--worker", "md5", "--replica", "0");
    expect(r.status).toBe(0);
    const mine = all.filter((l) => l.worker === "md5" && l.replica === 0).map((l) => `md5/0 | ${l.line}`);
    expect(mine.length).toBeGreaterThan(0);
    expect(r.stdout).toBe(mine.join("\n") + "\n");
  });

  it("--step keeps the workers the step calls and adds the step's events", () => {
    const r = qb("logs", ids.digest, "--step", "digests");
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    const events = lines.filter((l) => l.startsWith("step:digests | ")).map((l) => l.replace(/^step:digests \| \d\d:\d\d:\d\d\.\d{3} /, ""));
    expect(events.filter((l) => l.startsWith("step."))).toEqual(["step.started", "step.finished items=4"]);
    expect(events.filter((l) => /^call\.started worker=md5 method=file callId=\d attempt=1$/.test(l))).toHaveLength(4);
    const finished = events.filter((l) => l.startsWith("call.finished "));
    expect(finished).toHaveLength(4);
    // the md5 worker (the TypeScript SDK) says how long its method ran
    for (const l of finished) expect(l).toMatch(/^call\.finished callId=\d attempt=1 ms=\d+(\.\d)? replica=[01]( queuedMs=\d+(\.\d)?)? workerMs=\d+(\.\d)?$/);
    expect(lines.filter((l) => /^md5\/[01] +\| md5 file /.test(l))).toHaveLength(4);
    // --replica: that replica's log, and of the events naming a replica, its own
    const one = qb("logs", ids.digest, "--step", "digests", "--replica", "1").stdout.trimEnd().split("\n");
    expect(one.filter((l) => l.startsWith("md5/")).every((l) => l.startsWith("md5/1 "))).toBe(true);
    const onReplica1 = one.filter((l) => l.includes("call.finished"));
    expect(onReplica1.length).toBe(finished.filter((l) => l.includes("replica=1")).length);
    for (const l of onReplica1) expect(l).toContain(" replica=1");
    // a step that calls no worker: its events alone
    const glob = qb("logs", ids.digest, "--step", "files", "--json");
    expect(glob.status).toBe(0);
    const globEvents = glob.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; step: string; items?: number });
    expect(globEvents.map((e) => [e.type, e.step, e.items])).toEqual([
      ["step.started", "files", undefined],
      ["step.finished", "files", 4],
    ]);
  });

  it("escapes the control characters a worker wrote; --json keeps them", () => {
    const r = qb("logs", ids.hostile);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("h/0 | stderr \\x1b]0;pwned\\x07\\x1b[2J\\u202eevil\n");
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).not.toContain("\u202e");
    const failed = qb("logs", ids.hostile, "--step", "failed");
    expect(failed.stdout).toMatch(/step:failed \| \d\d:\d\d:\d\d\.\d{3} step\.failed error=".*\\x1b\]0;pwned.*"\n/);
    expect(failed.stdout).not.toContain(ESC);
    const json = qb("logs", ids.hostile, "--json")
      .stdout.trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { line: string });
    expect(json.map((l) => l.line)).toContain(`stderr ${ESC}]0;pwned\x07${ESC}[2J\u202eevil`);
  });

  it("--follow prints lines as the replicas write them and ends when the run ends", async () => {
    const known = new Set(runsJson().map((r) => r.id));
    const child = spawn(process.execPath, [QB, "run", "slow.flow"], { cwd: tmp, stdio: "ignore" });
    const runExit = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    // the run directory exists once run.json says "running"
    let id: string | undefined;
    const deadline = Date.now() + 20_000;
    while (!id && Date.now() < deadline) {
      id = runsJson().find((r) => !known.has(r.id))?.id;
      if (!id) await new Promise((r) => setTimeout(r, 50));
    }
    expect(id).toBeDefined();
    const follow = (json: boolean) => {
      const f = spawn(process.execPath, [QB, "logs", id!.slice(0, -2), "--step", "ticks", "--follow", ...(json ? ["--json"] : [])], {
        cwd: tmp,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const got = { out: "", err: "", arrivals: [] as Array<{ at: number; text: string }> };
      f.stdout.setEncoding("utf8").on("data", (c: string) => ((got.out += c), got.arrivals.push({ at: Date.now(), text: c })));
      f.stderr.setEncoding("utf8").on("data", (c: string) => (got.err += c));
      const exit = new Promise<{ code: number | null; at: number }>((done) => f.on("exit", (code) => done({ code, at: Date.now() })));
      return { got, exit };
    };
    const text = follow(false);
    const json = follow(true);
    // the run waits at tick 2 until the follower has printed tick 1
    const until = Date.now() + 20_000;
    while (!text.got.out.includes("| tick 1\n") && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    expect(text.got.out).toContain("| tick 1\n");
    const go = Date.now();
    writeFileSync(join(tmp, "go"), "");
    const [ran, textEnd, jsonEnd] = await Promise.all([runExit, text.exit, json.exit]);
    expect(ran).toBe(0);
    expect(textEnd.code, text.got.err).toBe(0);
    expect(jsonEnd.code, json.got.err).toBe(0);
    const record = runsJson().find((r) => r.id === id)!;
    expect(record.status).toBe("finished");
    // it ended when the run did, not before
    expect(textEnd.at).toBeGreaterThanOrEqual(record.finishedAt!);
    const ticks = text.got.out.split("\n").filter((l) => l.startsWith("w/0"));
    expect(ticks.filter((l) => l.includes("| tick "))).toEqual(["0", "1", "2", "3", "4"].map((i) => `w/0        | tick ${i}`));
    expect(text.got.out).toMatch(/step:ticks \| \d\d:\d\d:\d\d\.\d{3} step\.finished items=5\n$/);
    // followed: ticks 2 to 4 were written, and printed, after tick 1 was
    for (const t of ["tick 2", "tick 3", "tick 4"]) expect(text.got.arrivals.find((a) => a.text.includes(t))!.at).toBeGreaterThanOrEqual(go);
    const lines = json.got.out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { line?: string; type?: string; items?: number });
    expect(lines.filter((l) => l.line?.startsWith("tick ")).map((l) => l.line)).toEqual(["tick 0", "tick 1", "tick 2", "tick 3", "tick 4"]);
    expect(lines.at(-1)).toMatchObject({ type: "step.finished", items: 5 });
    // a finished run: --follow prints it all and ends at once
    const again = qb("logs", id!, "--follow");
    expect(again.status).toBe(0);
    expect(again.stdout.split("\n").filter((l) => l.includes("| tick "))).toHaveLength(5);
  }, 60_000);
});

describe("usage errors (exit 2)", () => {
  it("an unknown or ambiguous run id", () => {
    for (const args of [
      ["runs", "show", "nosuch"],
      ["logs", "nosuch"],
    ]) {
      const r = qb(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`qb: no run nosuch in ${join(tmp, ".qb", "runs")} (see qb runs)\n`);
    }
    // every id starts with the year
    const r = qb("runs", "show", ids.pi.slice(0, 2));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^qb: run ${ids.pi.slice(0, 2)} is ambiguous: .*${ids.pi}`));
    expect(qb("runs", "show").status).toBe(2);
  });

  it("an unknown step, worker or replica names the known ones", () => {
    let r = qb("logs", ids.digest, "--step", "digest");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`qb: run ${ids.digest} has no step digest; its steps: files, digests, table\n`);
    r = qb("logs", ids.digest, "--worker", "md6");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`qb: run ${ids.digest} has no worker md6; its workers: md5\n`);
    r = qb("logs", ids.digest, "--step", "files", "--worker", "md5");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("qb: step files does not call worker md5; it calls no worker\n");
    r = qb("logs", ids.digest, "--replica", "2");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("qb: --replica 2: the replicas are 0 to 1\n");
  });

  it("prune without --keep or --older-than, with both, or with a bad age", () => {
    const before = runsJson().length;
    const cases: Array<[string[], string]> = [
      [[], "qb: runs prune: give one of --keep N or --older-than AGE\n"],
      [["--keep", "1", "--older-than", "1d"], "qb: runs prune: give --keep N or --older-than AGE, not both\n"],
      [["--older-than", "7 days"], "qb: --older-than 7 days: expected a number and a unit, s, m, h or d: 30m, 12h, 7d\n"],
      [["--keep", "some"], "qb: --keep some: expected a whole number of runs to keep, 0 or more\n"],
    ];
    for (const [args, message] of cases) {
      const r = qb("runs", "prune", ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(message);
    }
    expect(runsJson()).toHaveLength(before);
  });
});

describe("resuming and pruning", () => {
  it("the resume command of runs show runs as printed, and reuses the run's calls", () => {
    const command = (JSON.parse(qb("runs", "show", ids.digest, "--json").stdout) as { resumeCommand: string }).resumeCommand;
    const r = spawnSync("sh", ["-c", `${JSON.stringify(process.execPath)} ${JSON.stringify(QB)} ${command.replace(/^qb /, "")}`], {
      cwd: tmp,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const resumed = runsJson()[0]!;
    expect(resumed).toMatchObject({ flow: "digest", status: "finished", resumedFrom: ids.digest, params: { root: dataDir } });
    expect(resumed.calls).toEqual({ done: 5, reused: 5, failed: 0 });
  });

  it("prune --older-than and --keep remove old runs and say which; a running run stays", () => {
    const all = runsJson().map((r) => r.id);
    expect(all.length).toBeGreaterThanOrEqual(5);
    let r = qb("runs", "prune", "--older-than", "1d");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`nothing to remove; ${all.length} kept\n`);

    r = qb("runs", "prune", "--keep", "2");
    expect(r.status).toBe(0);
    const removed = all.slice(2);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.slice(0, -1).map((l) => l.split("  ")[0])).toEqual(removed.map((id) => `removed ${id}`));
    expect(lines.at(-1)).toBe(`removed ${removed.length} runs; 2 kept`);
    for (const id of removed) expect(existsSync(join(tmp, ".qb", "runs", id))).toBe(false);
    expect(runsJson().map((x) => x.id)).toEqual(all.slice(0, 2));

    // a run that claims to run, by a live process (this one): never pruned
    const live = join(tmp, ".qb", "runs", "9999-live");
    mkdirSync(live);
    writeFileSync(join(live, "run.json"), JSON.stringify({ id: "9999-live", flow: "live", status: "running", pid: process.pid, startedAt: Date.now() - 5000 }));
    expect(qb("runs").stdout).toMatch(/\n9999-live +live +running +\S+ \S+ +\d+\.\d\ds… +-\n/);
    const json = qb("runs", "prune", "--keep", "0", "--json");
    expect(json.status).toBe(0);
    const out = JSON.parse(json.stdout) as { removed: Record_[]; kept: number };
    expect(out.removed.map((x) => x.id)).toEqual(all.slice(0, 2));
    expect(out.kept).toBe(1);
    rmSync(live, { recursive: true });
    expect(qb("runs").stdout).toBe(`no runs in ${join(tmp, ".qb", "runs")}\n`);
    expect(qb("runs", "--json").stdout).toBe("[]\n");
    const none = qb("logs", "latest");
    expect(none.status).toBe(2);
    expect(none.stderr).toBe(`qb: no runs in ${join(tmp, ".qb", "runs")} (see qb runs)\n`);
  });
});
