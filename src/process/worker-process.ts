/**
 * Starting a worker command the way the quarterback will: through the shell, in its own
 * process group (so stopping it reaches every process it started), with the QB_* variables
 * in its environment, waiting for its `QB_LISTENING <address>` line. A simple command
 * (`node w.js`, `/usr/bin/python3 w.py`) is exec'd by the shell, so the worker itself is
 * our child and its exit status is visible.
 */
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { parseListeningLine } from "../common/announce.js";
import { groupMembers, killGroup, untrackGroup } from "./process-group.js";
import { spawnInGroup } from "./spawn-in-group.js";

export interface SpawnOptions {
  command: string;
  env: Record<string, string | undefined>;
  cwd?: string;
  /** Called with every line the worker writes. */
  onLine?(stream: "stdout" | "stderr", line: string): void;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class WorkerProcess {
  readonly pid: number;
  /** True when the shell exec'd the command: `exit` is the worker's own. */
  readonly direct: boolean;
  readonly exited: Promise<Exit>;
  exit: Exit | null = null;
  /** Set once every process of the group was seen gone. */
  private gone = false;
  /** The last lines of output, for failure reports. */
  readonly tail: string[] = [];
  private readonly child: ChildProcess;
  private listening: string | null = null;
  private readonly listeners: Array<(address: string) => void> = [];

  constructor(options: SpawnOptions) {
    const { child, direct } = spawnInGroup(options.command, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.direct = direct;
    this.child = child;
    if (this.child.pid === undefined) throw new Error(`cannot start ${options.command}`);
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.on("error", () => {
        this.exit ??= { code: null, signal: null };
        resolve(this.exit);
      });
    });
    for (const stream of ["stdout", "stderr"] as const) {
      const rl = createInterface({ input: this.child[stream]!, crlfDelay: Infinity });
      rl.on("line", (line) => {
        this.tail.push(`${stream}: ${line}`);
        if (this.tail.length > 200) this.tail.shift();
        options.onLine?.(stream, line);
        if (stream === "stdout" && this.listening === null) {
          const address = parseListeningLine(line);
          if (address !== null) {
            this.listening = address;
            for (const l of this.listeners.splice(0)) l(address);
          }
        }
      });
    }
  }

  /** The announced address, or null if the worker exits or `timeoutMs` passes first. */
  waitForAnnouncement(timeoutMs: number): Promise<string | null> {
    if (this.listening !== null) return Promise.resolve(this.listening);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      this.listeners.push((a) => {
        clearTimeout(timer);
        resolve(a);
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(this.listening);
      });
    });
  }

  /** Live processes of the worker's group (the shell, the worker, whatever it started). */
  members(): number[] {
    return groupMembers(this.pid);
  }

  signal(sig: NodeJS.Signals): boolean {
    return killGroup(this.pid, sig);
  }

  /** Waits until the whole group is gone; false at the deadline. */
  async waitGone(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.exit !== null && this.members().length === 0) {
        this.gone = true;
        // its id may be reused: the exit hook must not kill it any more
        untrackGroup(this.pid);
        return true;
      }
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Stops the worker: SIGTERM to the group, then SIGKILL to whatever is left after
   * `graceMs`. Resolves once nothing of the group is alive; `killed` says SIGKILL was needed.
   */
  async stop(graceMs: number): Promise<{ killed: boolean; exit: Exit }> {
    let killed = false;
    if (this.exit === null || this.members().length > 0) {
      this.signal("SIGTERM");
      if (!(await this.waitGone(graceMs))) {
        killed = true;
        this.signal("SIGKILL");
        await this.waitGone(5_000);
      }
    }
    return { killed, exit: await this.exited };
  }

  /** Synchronous last resort (process exit handlers): SIGKILL the group, unless it is known to be gone (its id may be reused). */
  killNow(): void {
    if (!this.gone) killGroup(this.pid, "SIGKILL");
  }
}
