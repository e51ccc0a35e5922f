/** Runs `qb` as a real process and reads its NDJSON events. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./examples.js";

export interface QbRun {
  child: ChildProcess;
  events: Array<Record<string, unknown>>;
  stderr: string;
  /** Resolves with the exit code when the process ends. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves with the first event that matches. */
  waitFor(pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function startQb(args: string[], cwd = ROOT): QbRun {
  const child = spawn(process.execPath, [join(ROOT, "bin/qb.js"), ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }> = [];
  let buf = "";
  const run: QbRun = {
    child,
    events,
    stderr: "",
    exit: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, at: Date.now() }))),
    waitFor(pred, timeoutMs = 20_000) {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; stderr:\n${run.stderr}`)), timeoutMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
      });
    },
  };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const e = JSON.parse(line) as Record<string, unknown>;
      events.push(e);
      for (const w of waiters.splice(0)) {
        if (w.pred(e)) w.resolve(e);
        else waiters.push(w);
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (run.stderr += c));
  return run;
}

export function pidsOf(run: QbRun): number[] {
  const e = run.events.find((x) => x.type === "pod.started") as { replicas: Array<{ pid: number | null }> } | undefined;
  return (e?.replicas ?? []).flatMap((r) => (r.pid === null ? [] : [r.pid]));
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process whose process group is one of `pgids` (children of workers included). */
export async function groupMembers(pgids: number[]): Promise<number[]> {
  const { readdirSync, readFileSync } = await import("node:fs");
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const state = fields[0];
      const pgrp = Number(fields[2]);
      if (state !== "Z" && pgids.includes(pgrp)) out.push(Number(d));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}
