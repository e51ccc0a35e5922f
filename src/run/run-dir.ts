import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { prepareRunDir } from "./run-dir-check.js";

export interface RunDir {
  id: string;
  /** `.qb/runs/<id>/`: land, logs, events, result. */
  path: string;
  land: string;
  logs: string;
  events: string;
  result: string;
  /** Unix sockets need short paths: they live in the system's temp folder. */
  sockets: string;
}

/** A new run id: sortable by time, unique by a random suffix. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, "-").replace("Z", "")}-${randomBytes(3).toString("hex")}`;
}

export function makeRunDir(options: { cwd: string; runDir?: string; id?: string }): RunDir {
  const id = options.id ?? newRunId();
  // a directory of the caller's choosing is checked first: it may hold an earlier run, or be no place for one
  if (options.runDir !== undefined) prepareRunDir(options.runDir, options.cwd);
  const path = resolve(options.cwd, options.runDir ?? join(".qb", "runs", id));
  const dir: RunDir = {
    id,
    path,
    land: join(path, "land"),
    logs: join(path, "logs"),
    events: join(path, "events.ndjson"),
    result: join(path, "result.json"),
    sockets: mkdtempSync(join(tmpdir(), "qb-")),
  };
  mkdirSync(dir.land, { recursive: true });
  mkdirSync(dir.logs, { recursive: true });
  return dir;
}
