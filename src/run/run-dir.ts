import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { prepareRunDir } from "./run-dir-check.js";

export interface RunDir {
  id: string;
  /** `.qb/runs/<id>/`: land, logs, events, result. */
  path: string;
  /** The land: `<path>/land`, or a folder on a tmpfs that `<path>/land` links to (`inMemory`). */
  land: string;
  /** Set when the land is in memory: the symlink `<path>/land` it is moved back to when the run ends. */
  inMemory?: { link: string };
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

export function makeRunDir(options: { cwd: string; runDir?: string; id?: string; landIn?: string }): RunDir {
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
  mkdirSync(dir.logs, { recursive: true });
  // a land made in advance (for workers started elsewhere, as a pod's init container makes it) is the land
  if (options.landIn !== undefined && !existsSync(dir.land)) {
    const link = dir.land;
    // made as the run directory's land would be (mode from the umask), under a fresh name
    dir.land = join(options.landIn, `qb-land-${id}-${randomBytes(4).toString("hex")}`);
    mkdirSync(dir.land);
    symlinkSync(dir.land, link);
    dir.inMemory = { link };
  } else mkdirSync(dir.land, { recursive: true });
  return dir;
}
