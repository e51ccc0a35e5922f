/**
 * run-record: run.json is written whole (beside, then renamed), read back as written, and a
 * "running" run whose quarterback is gone reads as "interrupted".
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { freshDirPerTest } from "../../test/support/temp-dir.js";
import { readRunRecord, RUN_RECORD_FILE, writeRunRecord, type RunRecord, type RunStatus } from "./run-record.js";

const tmp = freshDirPerTest("qb-run-record-", () => vi.restoreAllMocks());

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  expect(r.pid).toBeGreaterThan(0);
  return r.pid!;
}

const record = (over: Partial<RunRecord> = {}): RunRecord => ({
  id: "2024-05-01T10-00-00-000-abcdef",
  flow: "f",
  status: "finished",
  pid: process.pid,
  startedAt: 1_714_557_600_000,
  ...over,
});

describe("writeRunRecord / readRunRecord", () => {
  it("round-trips every field and leaves no temp file", () => {
    const r = record({
      file: "/abs/flow.ts",
      params: { n: 3, name: "x" },
      finishedAt: 1_714_557_601_000,
      elapsedMs: 1000,
      error: "boom",
      resumedFrom: "2024-04-30T10-00-00-000-000000",
    });
    writeRunRecord(tmp.path, r);
    expect(readdirSync(tmp.path)).toEqual([RUN_RECORD_FILE]);
    expect(JSON.parse(readFileSync(join(tmp.path, RUN_RECORD_FILE), "utf8"))).toEqual(r);
    expect(readRunRecord(tmp.path)).toEqual(r);
  });

  it("rewrites a record in place", () => {
    writeRunRecord(tmp.path, record({ status: "running" }));
    writeRunRecord(tmp.path, record({ status: "failed", error: "x" }));
    expect(readRunRecord(tmp.path)).toMatchObject({ status: "failed", error: "x" });
    expect(readdirSync(tmp.path)).toEqual([RUN_RECORD_FILE]);
  });

  it.each<[string, string | undefined]>([
    ["no run.json", undefined],
    ["an empty file", ""],
    ["half a record", '{"id":"x","flow":'],
    ["null", "null"],
    ["a string", '"2024"'],
    ["a list", '["2024"]'],
    ["no id", '{"flow":"f","status":"finished","pid":1,"startedAt":0}'],
    ["a numeric id", '{"id":7,"flow":"f","status":"finished","pid":1,"startedAt":0}'],
  ])("reads no record from %s", (_what, text) => {
    if (text !== undefined) writeFileSync(join(tmp.path, RUN_RECORD_FILE), text);
    expect(readRunRecord(tmp.path)).toBeUndefined();
  });

  it("a running run whose quarterback lives reads as running", () => {
    writeRunRecord(tmp.path, record({ status: "running", pid: process.pid }));
    expect(readRunRecord(tmp.path)?.status).toBe("running");
  });

  it("a running run whose quarterback is gone reads as interrupted (and the file is left as it was)", () => {
    writeRunRecord(tmp.path, record({ status: "running", pid: deadPid() }));
    expect(readRunRecord(tmp.path)?.status).toBe("interrupted");
    expect(JSON.parse(readFileSync(join(tmp.path, RUN_RECORD_FILE), "utf8"))).toMatchObject({ status: "running" });
  });

  it.each<[string, unknown]>([
    ["0", 0],
    ["negative", -1],
    ["fractional", 1.5],
    ["a string", String(process.pid)],
    ["missing", undefined],
    ["beyond any pid", 2 ** 40],
  ])("a running run with a pid that is %s reads as interrupted", (_what, pid) => {
    writeFileSync(join(tmp.path, RUN_RECORD_FILE), JSON.stringify({ ...record({ status: "running" }), pid }));
    expect(readRunRecord(tmp.path)?.status).toBe("interrupted");
  });

  it.each<[string, string, RunStatus]>([
    ["EPERM (alive, another user's)", "EPERM", "running"],
    ["ESRCH (no such process)", "ESRCH", "interrupted"],
  ])("a pid probe failing with %s", (_what, code, status) => {
    vi.spyOn(process, "kill").mockImplementation(() => {
      throw Object.assign(new Error(code), { code });
    });
    writeRunRecord(tmp.path, record({ status: "running", pid: 4242 }));
    expect(readRunRecord(tmp.path)?.status).toBe(status);
    expect(process.kill).toHaveBeenCalledWith(4242, 0);
  });

  it.each<[RunStatus]>([["finished"], ["failed"], ["cancelled"]])("a %s run keeps its status whatever its pid", (status) => {
    writeRunRecord(tmp.path, record({ status, pid: deadPid() }));
    expect(readRunRecord(tmp.path)?.status).toBe(status);
  });
});
