import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../runtime/events.js";
import { withLogOffset } from "./log-offset.js";

const dir = mkdtempSync(join(tmpdir(), "qb-log-offset-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const failed = (more: Partial<Extract<RunEvent, { type: "call.failed" }>> = {}): RunEvent => ({
  type: "call.failed",
  step: "s",
  callId: 1,
  attempt: 1,
  error: "boom",
  skipped: false,
  input: "1",
  worker: "w",
  replica: 1,
  time: 5,
  ...more,
});

describe("withLogOffset", () => {
  it("adds the size the replica's log file has now to call.failed and call.retried", () => {
    const log = join(dir, "w-1.log");
    writeFileSync(log, "line one\n");
    const paths = (w: string, r: number): string | undefined => (w === "w" && r === 1 ? log : undefined);
    expect(withLogOffset(failed(), paths)).toEqual({ ...failed(), logOffset: 9 });
    appendFileSync(log, "two\n");
    const retried: RunEvent = { type: "call.retried", step: "s", callId: 1, attempt: 1, error: "x", delayMs: 5, worker: "w", replica: 1, time: 5 };
    const out = withLogOffset(retried, paths);
    expect(out).toEqual({ ...retried, logOffset: 13 });
    // the time stays last, as in every event
    expect(Object.keys(out).at(-1)).toBe("time");
  });

  it("leaves alone other events, events naming no replica, and replicas without a log file", () => {
    const paths = (): string => join(dir, "missing.log");
    const log: RunEvent = { type: "log", level: "info", message: "m", time: 1 };
    expect(withLogOffset(log, paths)).toBe(log);
    const noReplica = failed({ replica: undefined });
    delete (noReplica as { replica?: number }).replica;
    expect(withLogOffset(noReplica, paths)).toBe(noReplica);
    const e = failed();
    expect(withLogOffset(e, paths)).toBe(e);
    expect(withLogOffset(e, () => undefined)).toBe(e);
  });
});
