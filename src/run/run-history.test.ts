/**
 * run-history: the runs of a folder newest first; a run named by id, unique prefix or
 * directory; the latest run of a flow to resume; pruning that never touches a live run.
 * Real run directories (`.qb/runs/<id>/run.json`) in a temp folder.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JOURNAL_FILE } from "./journal/journal-file.js";
import { newRunId } from "./run-dir.js";
import { findRun, latestRunOf, listRuns, pruneRuns, RunNotFoundError, RUNS_DIR } from "./run-history.js";
import { writeRunRecord, type RunRecord } from "./run-record.js";

let cwd: string;
let root: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), "qb-run-history-"));
  root = join(cwd, RUNS_DIR);
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const MINUTE = 60_000;

let deadPidCache: number | undefined;
function deadPid(): number {
  deadPidCache ??= spawnSync(process.execPath, ["-e", ""]).pid!;
  return deadPidCache;
}

interface Made {
  id: string;
  dir: string;
}

/** A run `minutes` after T0, with a journal unless told otherwise. */
function run(minutes: number, over: Partial<RunRecord> & { journal?: boolean; suffix?: string } = {}): Made {
  const { journal = true, suffix, ...rest } = over;
  const startedAt = T0 + minutes * MINUTE;
  const id = suffix === undefined ? newRunId(new Date(startedAt)) : `${newRunId(new Date(startedAt)).slice(0, -6)}${suffix}`;
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  writeRunRecord(dir, { id, flow: "f", status: "finished", pid: deadPid(), startedAt, ...rest });
  if (journal) writeFileSync(join(dir, JOURNAL_FILE), '{"journal":1,"flow":"f","runId":"x"}\n');
  return { id, dir };
}

const ids = (entries: { record: RunRecord }[]): string[] => entries.map((e) => e.record.id);

function notFound(f: () => unknown): RunNotFoundError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RunNotFoundError);
    expect((e as Error).name).toBe("RunNotFoundError");
    return e as RunNotFoundError;
  }
  throw new Error("expected a RunNotFoundError, nothing was thrown");
}

describe("listRuns", () => {
  it("is empty without a runs folder", () => {
    expect(listRuns(cwd)).toEqual([]);
  });

  it("lists runs newest first, with their directories and records", () => {
    const a = run(0);
    const c = run(2, { status: "failed" });
    const b = run(1);
    const runs = listRuns(cwd);
    expect(ids(runs)).toEqual([c.id, b.id, a.id]);
    expect(runs.map((r) => r.dir)).toEqual([c.dir, b.dir, a.dir]);
    expect(runs[0]!.record).toMatchObject({ id: c.id, flow: "f", status: "failed" });
  });

  it("orders by start time across days and years, not by the hour alone", () => {
    const older = run(-60 * 24 * 400 + 600); // over a year earlier, later in the day
    const newer = run(0);
    expect(ids(listRuns(cwd))).toEqual([newer.id, older.id]);
  });

  it("leaves out folders and files that are no run", () => {
    const a = run(0);
    mkdirSync(join(root, "zzz-no-record"));
    writeFileSync(join(root, "zzz-a-file"), "x");
    mkdirSync(join(root, "zzz-bad-record"));
    writeFileSync(join(root, "zzz-bad-record", "run.json"), "{");
    expect(ids(listRuns(cwd))).toEqual([a.id]);
  });

  it("shows a run whose quarterback died as interrupted", () => {
    const a = run(0, { status: "running", pid: deadPid() });
    const b = run(1, { status: "running", pid: process.pid });
    expect(listRuns(cwd).map((r) => [r.record.id, r.record.status])).toEqual([
      [b.id, "running"],
      [a.id, "interrupted"],
    ]);
  });
});

describe("findRun", () => {
  let a: Made;
  let b: Made;
  let c: Made;
  beforeEach(() => {
    a = run(0, { suffix: "aaaaaa" });
    b = run(0, { suffix: "aabbbb" });
    c = run(60 * 24, { suffix: "cccccc" });
  });

  it.each<[string, () => string, () => Made]>([
    ["its id", () => c.id, () => c],
    ["a unique prefix of its id", () => c.id.slice(0, 12), () => c],
    ["a prefix unique by its random part", () => a.id.slice(0, -3), () => a],
    ["its directory, absolute", () => b.dir, () => b],
    ["its directory, relative to cwd", () => join(RUNS_DIR, b.id), () => b],
    ["its directory with a trailing slash", () => join(RUNS_DIR, b.id) + "/", () => b],
  ])("finds a run by %s", (_what, ref, expected) => {
    const found = findRun(cwd, ref());
    expect(found.dir).toBe(expected().dir);
    expect(found.record.id).toBe(expected().id);
  });

  it("finds a run directory outside the runs folder", () => {
    const elsewhere = join(cwd, "my-run");
    mkdirSync(elsewhere);
    writeRunRecord(elsewhere, { id: "custom", flow: "f", status: "finished", pid: 1, startedAt: T0 });
    expect(findRun(cwd, "my-run")).toEqual({ dir: elsewhere, record: expect.objectContaining({ id: "custom" }) });
  });

  it("an id that is also a prefix of another's is that run, not ambiguous", () => {
    const short = run(5, { suffix: "" });
    const longer = run(5, { suffix: "x" });
    expect(longer.id.startsWith(short.id)).toBe(true);
    expect(findRun(cwd, short.id).record.id).toBe(short.id);
  });

  it("an ambiguous prefix names the runs it matches", () => {
    const prefix = a.id.slice(0, -5);
    const e = notFound(() => findRun(cwd, prefix));
    expect(e.message).toBe(`run ${prefix} is ambiguous: ${b.id}, ${a.id}`);
  });

  it.each<[string, string]>([
    ["an unknown id", "2030-01-01T00-00-00-000-ffffff"],
    ["a prefix of nothing", "1999"],
    ["a directory without run.json", "."],
  ])("%s is no run, and says where it looked", (_what, ref) => {
    const e = notFound(() => findRun(cwd, ref));
    expect(e.message).toBe(`no run ${ref} in ${root} (see qb runs)`);
  });

  it("an empty ref names no run (it would be a prefix of every id)", () => {
    for (const r of [a, b]) rmSync(r.dir, { recursive: true });
    // one run left: an empty prefix would be "unique"
    expect(ids(listRuns(cwd))).toEqual([c.id]);
    expect(notFound(() => findRun(cwd, "")).message).toBe("the run id is empty: give an id, a unique prefix of one, or a run directory (see qb runs)");
  });

  it("an empty ref is not the working folder, even when it holds a run", () => {
    writeRunRecord(cwd, { id: "here", flow: "f", status: "finished", pid: 1, startedAt: T0 });
    notFound(() => findRun(cwd, ""));
    expect(findRun(cwd, ".").record.id).toBe("here");
  });

  it("with no runs folder at all, says where it looked", () => {
    const empty = mkdtempSync(join(tmpdir(), "qb-run-history-empty-"));
    try {
      expect(notFound(() => findRun(empty, "abc")).message).toBe(`no run abc in ${join(empty, RUNS_DIR)} (see qb runs)`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("latestRunOf", () => {
  it("is the newest run of the same flow that left a journal", () => {
    const old = run(0);
    run(1, { flow: "other" });
    run(2, { journal: false });
    expect(latestRunOf(cwd, "f", undefined)?.record.id).toBe(old.id);
    const newer = run(3, { status: "failed" });
    expect(latestRunOf(cwd, "f", undefined)?.record.id).toBe(newer.id);
    expect(latestRunOf(cwd, "f", undefined)?.dir).toBe(newer.dir);
  });

  it("takes interrupted runs, and leaves out the one excepted", () => {
    const a = run(0);
    const b = run(1, { status: "running", pid: deadPid() });
    expect(latestRunOf(cwd, "f", undefined)?.record).toMatchObject({ id: b.id, status: "interrupted" });
    expect(latestRunOf(cwd, "f", undefined, b.id)?.record.id).toBe(a.id);
  });

  it("is undefined when no run of the flow left a journal", () => {
    expect(latestRunOf(cwd, "f", undefined)).toBeUndefined();
    run(0, { journal: false });
    run(1, { flow: "g" });
    expect(latestRunOf(cwd, "f", undefined)).toBeUndefined();
  });

  it.each<[string, string | undefined, string | undefined, boolean]>([
    // what, the file asked for, the file the run recorded, taken
    ["the same file", "/p/flow.ts", "/p/flow.ts", true],
    ["another file of the same flow name", "/p/flow.ts", "/q/flow.ts", false],
    ["no file asked for", undefined, "/p/flow.ts", true],
    ["a run that recorded no file", "/p/flow.ts", undefined, true],
    ["neither has a file", undefined, undefined, true],
  ])("%s", (_what, asked, recorded, taken) => {
    const r = run(0, recorded === undefined ? {} : { file: recorded });
    expect(latestRunOf(cwd, "f", asked)?.record.id).toBe(taken ? r.id : undefined);
  });

  it("skips a newer run of another file for an older one of the same file", () => {
    const mine = run(0, { file: "/p/flow.ts" });
    run(1, { file: "/q/flow.ts" });
    expect(latestRunOf(cwd, "f", "/p/flow.ts")?.record.id).toBe(mine.id);
  });
});

describe("pruneRuns", () => {
  it.each<[string, { keep?: number; olderThanMs?: number }, number[]]>([
    // runs start at minutes 0..4; the minutes of those left
    ["keep 2", { keep: 2 }, [4, 3]],
    ["keep 0", { keep: 0 }, []],
    ["keep more than there are", { keep: 10 }, [4, 3, 2, 1, 0]],
    ["older than 1.5 minutes", { olderThanMs: 1.5 * MINUTE }, [4, 3]],
    ["older than exactly 2 minutes: a run 2 minutes old stays", { olderThanMs: 2 * MINUTE }, [4, 3, 2]],
    ["keep 4, but older than 2.5 minutes goes", { keep: 4, olderThanMs: 2.5 * MINUTE }, [4, 3, 2]],
    ["older than 3.5 minutes, but beyond keep 2 goes", { keep: 2, olderThanMs: 3.5 * MINUTE }, [4, 3]],
    ["no rule removes nothing", {}, [4, 3, 2, 1, 0]],
  ])("%s", (_what, rule, left) => {
    const made = [0, 1, 2, 3, 4].map((m) => run(m));
    const removed = pruneRuns(cwd, rule, T0 + 4 * MINUTE);
    const kept = made.filter((_, m) => left.includes(m));
    expect(ids(listRuns(cwd))).toEqual(kept.map((r) => r.id).reverse());
    expect(ids(removed).sort()).toEqual(made.filter((_, m) => !left.includes(m)).map((r) => r.id));
    for (const r of made) expect(existsSync(r.dir)).toBe(left.includes(made.indexOf(r)));
  });

  it.each<[string, { keep?: number; olderThanMs?: number }]>([
    ["keep", { keep: 0 }],
    ["age", { olderThanMs: 0 }],
  ])("by %s never removes a running run whose quarterback lives; an interrupted one goes", (_what, rule) => {
    const live = run(0, { status: "running", pid: process.pid });
    const dead = run(1, { status: "running", pid: deadPid() });
    const done = run(2);
    const removed = pruneRuns(cwd, rule, T0 + 10 * MINUTE);
    expect(ids(removed).sort()).toEqual([dead.id, done.id].sort());
    expect(existsSync(live.dir)).toBe(true);
    expect(existsSync(dead.dir)).toBe(false);
    expect(ids(listRuns(cwd))).toEqual([live.id]);
  });

  it("returns the removed runs with their directories and records", () => {
    const a = run(0, { status: "failed", error: "x" });
    run(1);
    expect(pruneRuns(cwd, { keep: 1 })).toEqual([{ dir: a.dir, record: expect.objectContaining({ id: a.id, status: "failed", error: "x" }) }]);
  });

  it("without a runs folder removes nothing", () => {
    expect(pruneRuns(cwd, { keep: 0 })).toEqual([]);
  });
});
