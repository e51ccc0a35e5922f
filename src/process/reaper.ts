/**
 * The reaper: a small `/bin/sh` loop, started once per quarterback, that kills the
 * quarterback's worker groups and removes its temporary folders when the quarterback dies,
 * however it dies (SIGKILL and the OOM killer run no exit hook). Its stdin is a pipe from
 * us: `add PGID` / `del PGID` and `dir PATH` / `undir PATH` lines keep its lists, and when
 * the pipe reaches EOF (the kernel closes our end when we die, or exit) it SIGKILLs every
 * group still listed, moves every land still listed from memory back to its run directory
 * (`land LINK`: LINK is the symlink to it; a move that fails puts the symlink back), frees
 * every land in memory (`mem PATH`) no symlink leads to any more (its run directory was
 * removed), removes every folder still listed, and exits. It runs in a session
 * of its own, so Ctrl-C to the terminal's group or a hangup does not end it first, and it
 * never keeps the quarterback alive (its handles are unref'd).
 */
import { spawn } from "node:child_process";
import type { Socket } from "node:net";

// The comment names it in `ps`. `set -f`: paths are not globs. Groups are kept as " 1 2 3 ",
// folders and lands one per line. Lands move before folders go: a land may be in one.
export const REAPER_SCRIPT = `# qb reaper: kills the quarterback's workers when its stdin closes
set -f
nl='
'
g=' '
d="$nl"
l="$nl"
m="$nl"
while read -r op arg; do
  case $op in
    add) g="$g$arg " ;;
    del) case $g in *" $arg "*) g="\${g%% $arg *} \${g#* $arg }" ;; esac ;;
    dir) d="$d$arg$nl" ;;
    undir) case $d in *"$nl$arg$nl"*) d="\${d%%"$nl$arg$nl"*}$nl\${d#*"$nl$arg$nl"}" ;; esac ;;
    land) l="$l$arg$nl" ;;
    unland) case $l in *"$nl$arg$nl"*) l="\${l%%"$nl$arg$nl"*}$nl\${l#*"$nl$arg$nl"}" ;; esac ;;
    mem) m="$m$arg$nl" ;;
    unmem) case $m in *"$nl$arg$nl"*) m="\${m%%"$nl$arg$nl"*}$nl\${m#*"$nl$arg$nl"}" ;; esac ;;
  esac
done
for p in $g; do kill -9 -$p 2>/dev/null; done
IFS=$nl
for x in $l; do
  s=$(readlink -- "$x") && [ -d "$s" ] && rm -f -- "$x" && { mv -- "$s" "$x" || { rm -rf -- "$x"; ln -s -- "$s" "$x"; }; }
done
for t in $m; do
  [ -d "$t" ] || continue
  k=
  for x in $l; do [ "$(readlink -- "$x")" = "$t" ] && k=1; done
  [ -n "$k" ] || rm -rf -- "$t"
done
for x in $d; do rm -rf -- "$x"; done
`;

/** Our end of the reaper's stdin: undefined before it starts, null once it could not start or died. */
let pipe: Socket | null | undefined;
/** Lines written before it started. */
let pending: string[] | undefined;

/**
 * Starts the reaper and gives it the lines so far. It is started just after the first
 * worker's spawn, once the current task is done (all the pod's spawns), so its own spawn
 * (a fork, ~5 ms on a busy machine) falls while the workers boot instead of before them.
 */
function start(): void {
  const lines = pending ?? [];
  pending = undefined;
  try {
    const child = spawn("/bin/sh", ["-c", REAPER_SCRIPT], { cwd: "/", detached: true, stdio: ["pipe", "ignore", "ignore"] });
    // a child's stdin pipe is a net.Socket (typed as a Writable), which can be unref'd
    pipe = child.stdin as Socket | null;
    const lost = (): void => void (pipe = null);
    child.on("error", lost);
    child.on("exit", lost);
    // EPIPE when it died: the exit hook of process-group.ts is then the last resort
    pipe?.on("error", lost);
    child.unref();
    pipe?.unref();
    if (lines.length > 0) pipe?.write(lines.join(""));
  } catch {
    pipe = null;
  }
}

/** Sends one line; `begin` says it may start the reaper (a `del` alone need not). */
function send(op: string, arg: string, begin: boolean): void {
  // a line cannot carry a newline: such a path is left to the normal teardown
  if (arg.includes("\n") || pipe === null) return;
  const line = `${op} ${arg}\n`;
  if (pipe) pipe.write(line);
  else if (pending) pending.push(line);
  else if (begin) {
    pending = [line];
    setImmediate(start);
  }
}

/** The reaper kills process group `pgid` if we die before `forgetGroup`. */
export function reapGroup(pgid: number): void {
  send("add", String(pgid), true);
}

/** The group is gone (its id may be reused): the reaper must not kill it. */
export function forgetGroup(pgid: number): void {
  send("del", String(pgid), false);
}

/** The reaper removes folder `path` (recursively) if we die before `forgetDir`. */
export function reapDir(path: string): void {
  send("dir", path, true);
}

/** The folder is removed (or no longer ours): the reaper leaves it. */
export function forgetDir(path: string): void {
  send("undir", path, false);
}

/**
 * `link` is a symlink to `target`, a land in memory: if we die before `forgetLand`, the
 * reaper moves the land there, or frees it when the symlink is gone.
 */
export function reapLand(link: string, target: string): void {
  send("land", link, true);
  send("mem", target, true);
}

/** The land is back on disk: the reaper leaves both. */
export function forgetLand(link: string, target: string): void {
  send("unland", link, false);
  send("unmem", target, false);
}
