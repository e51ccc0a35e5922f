/**
 * The one way a worker process is started: its command through /bin/sh, in a process
 * group of its own (so stopping it reaches every process it started), remembered so that
 * it is killed whatever way the quarterback ends.
 */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { trackGroup } from "./process-group.js";
import { shellScript } from "./shell-script.js";

export interface SpawnInGroupOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  stdio: StdioOptions;
}

/** Starts `command`; `direct` says the shell exec'd it (the child is the worker itself). */
export function spawnInGroup(command: string, options: SpawnInGroupOptions): { child: ChildProcess; direct: boolean } {
  const { script, direct } = shellScript(command);
  const child = spawn("/bin/sh", ["-c", script], { cwd: options.cwd, env: options.env, detached: true, stdio: options.stdio });
  if (child.pid !== undefined) trackGroup(child.pid);
  return { child, direct };
}
