/**
 * Process groups. Every worker runs in a process group of its own (spawned detached), so a
 * worker's children go with it. Every live group is remembered: whatever way the
 * quarterback ends, they are killed: by our exit hook, or by the reaper (reaper.ts) when we
 * die without running it. Who is still alive in a group is read from /proc on Linux,
 * leaving out zombies (an orphan's zombie may linger when PID 1 does not reap); elsewhere
 * kill(0) answers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { forgetGroup, reapGroup } from "./reaper.js";

const live = new Set<number>();
let hooked = false;

export function trackGroup(pid: number): void {
  live.add(pid);
  reapGroup(pid);
  if (!hooked) {
    hooked = true;
    // last resort: a synchronous kill when the process exits for any reason
    process.on("exit", () => {
      for (const p of live) killGroup(p, "SIGKILL");
    });
  }
}

export function untrackGroup(pid: number): void {
  if (live.delete(pid)) forgetGroup(pid);
}

export function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** True while any process of the group lives. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * True while a process of the group lives. A zombie does not count: it is dead, and an
 * orphan's zombie may wait long for PID 1 to reap it (a worker's `sleep &` child, node
 * under `cd dir && ...`), which made every teardown wait out its grace period.
 */
export function groupLive(pgid: number): boolean {
  return groupAlive(pgid) && groupMembers(pgid).length > 0;
}

/** Waits until the whole group is gone, killing it again while it is not (up to `ms`). */
export async function awaitGroupGone(pgid: number, ms = 2_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (groupLive(pgid)) {
    if (Date.now() > until) return false;
    killGroup(pgid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** The live (non-zombie) processes whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return groupAlive(pgid) ? [pgid] : [];
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const stat = readStat(Number(e));
    if (stat && stat.pgrp === pgid && stat.state !== "Z" && stat.state !== "X") out.push(Number(e));
  }
  return out;
}

/** State and process group of one process, or null when it is gone. */
export function readStat(pid: number): { state: string; ppid: number; pgrp: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0] ?? "?", ppid: Number(rest[1]), pgrp: Number(rest[2]) };
  } catch {
    return null;
  }
}

/** True while `pid` exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  const stat = readStat(pid);
  if (stat) return stat.state !== "Z" && stat.state !== "X";
  try {
    readdirSync("/proc");
    return false;
  } catch {
    return groupAlive(pid);
  }
}
