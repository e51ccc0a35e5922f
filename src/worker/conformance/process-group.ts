/**
 * Who is still alive in a process group. On Linux this reads /proc and leaves out zombies
 * (an orphan's zombie may linger when PID 1 does not reap); elsewhere it asks kill(0).
 */
import { readdirSync, readFileSync } from "node:fs";

/** The live (non-zombie) processes whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return aliveByKill(pgid) ? [pgid] : [];
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
    return aliveByKill(pid);
  }
}

function aliveByKill(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
