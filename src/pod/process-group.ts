/**
 * Worker processes run in their own process group (spawned detached), so a worker's
 * children go with it. Every live group is remembered: whatever way the quarterback ends,
 * they are killed.
 */
const live = new Set<number>();
let hooked = false;

export function trackGroup(pid: number): void {
  live.add(pid);
  if (!hooked) {
    hooked = true;
    // last resort: a synchronous kill when the process exits for any reason
    process.on("exit", () => {
      for (const p of live) killGroup(p, "SIGKILL");
    });
  }
}

export function untrackGroup(pid: number): void {
  live.delete(pid);
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

/** Waits until the whole group is gone, killing it again while it is not (up to `ms`). */
export async function awaitGroupGone(pgid: number, ms = 2_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() > until) return false;
    killGroup(pgid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
