/**
 * Hosts made of Linux network namespaces, for tests and benchmarks of workers on other
 * hosts: one namespace for the quarterback and one per worker host, each worker host joined
 * to the quarterback's by a veth pair on its own /24 of 198.18.0.0/15 (the range RFC 2544
 * sets aside for benchmarking: no real host is there, and the traffic never leaves these
 * namespaces). The quarterback's namespace gets its own /etc/hosts (`ip netns exec` puts
 * /etc/netns/NAME/hosts in its place), so a DNS name can stand for several worker hosts.
 *
 * Names are unique per call; `remove()` kills every process left in the namespaces and
 * deletes them (their veths go with them) and the hosts file, also after a failure.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface WorkerHost {
  /** The namespace's name. */
  ns: string;
  /** The host's address, seen from the quarterback. */
  address: string;
  /** The quarterback's address, seen from this host (where its callback service is). */
  quarterback: string;
}

export interface Hosts {
  /** The quarterback's namespace. */
  ns: string;
  workers: WorkerHost[];
  /** `ip netns exec NS`: put before a command to run it in namespace NS. */
  exec(ns: string): string[];
  /** Starts `argv` in namespace `ns` (its output collected in `output`). */
  start(ns: string, argv: string[], env: Record<string, string>, cwd: string): HostProcess;
  /** SIGKILL to every process in namespace `ns`; how many there were. */
  killAll(ns: string): number;
  remove(): void;
}

export interface HostProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first line that matches, or rejects when the process exits first or after `ms`. */
  line(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

/** Why namespaces cannot be made here, or null when they can (tried for real: `ip netns add`, then delete). */
export function netnsUnavailable(): string | null {
  const probe = `qbprobe${process.pid}`;
  const add = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (add.error) return `\`ip\` cannot run (${add.error.message}); install iproute2`;
  if (add.status !== 0) return `\`ip netns add\` is not permitted here (${add.stderr.trim() || `exit ${add.status}`})`;
  spawnSync("ip", ["netns", "delete", probe]);
  return null;
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function pidsIn(ns: string): number[] {
  const r = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

/**
 * The quarterback's namespace and `count` worker hosts; `names` maps a DNS name to the
 * indexes of the worker hosts it stands for (in the quarterback's /etc/hosts).
 */
export function makeHosts(count: number, names: Record<string, number[]> = {}): Hosts {
  const tag = `${process.pid.toString(36)}${(Date.now() % 46656).toString(36)}`;
  const q = `qbq${tag}`;
  const made: string[] = [];
  const hostsDir = join("/etc/netns", q);
  const workers: WorkerHost[] = [];
  const hosts: Hosts = {
    ns: q,
    workers,
    exec: (ns) => ["ip", "netns", "exec", ns],
    start(ns, argv, env, cwd) {
      const child = spawn("ip", ["netns", "exec", ns, ...argv], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      const waiters: Array<() => void> = [];
      const onData = (c: Buffer): void => {
        out += c.toString("utf8");
        for (const w of waiters.splice(0)) w();
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      return {
        child,
        output: () => out,
        line: (pattern, ms = 15_000) =>
          new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${ms} ms from ${argv.join(" ")} in ${ns}:\n${out}`)), ms);
            const look = (): void => {
              const m = out.match(pattern);
              if (m) {
                clearTimeout(t);
                return resolve(m);
              }
              if (child.exitCode !== null || child.signalCode !== null) {
                clearTimeout(t);
                return reject(new Error(`${argv.join(" ")} in ${ns} exited (${child.exitCode ?? child.signalCode}):\n${out}`));
              }
              waiters.push(look);
            };
            child.once("exit", () => setImmediate(() => waiters.splice(0).forEach((w) => w())));
            look();
          }),
      };
    },
    killAll(ns) {
      const pids = pidsIn(ns);
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
      return pids.length;
    },
    remove() {
      for (const ns of made) hosts.killAll(ns);
      for (const ns of made) spawnSync("ip", ["netns", "delete", ns]);
      rmSync(hostsDir, { recursive: true, force: true });
      try {
        // /etc/netns itself, when nothing else is in it
        rmdirSync("/etc/netns");
      } catch {
        // not empty, or not there
      }
    },
  };
  try {
    ip("netns", "add", q);
    made.push(q);
    ip("-n", q, "link", "set", "lo", "up");
    for (let i = 0; i < count; i++) {
      const ns = `qbw${i}${tag}`;
      ip("netns", "add", ns);
      made.push(ns);
      ip("-n", ns, "link", "set", "lo", "up");
      // veth names are at most 15 characters
      const near = `q${i}${tag}`.slice(0, 15);
      const far = `w${i}${tag}`.slice(0, 15);
      ip("link", "add", near, "netns", q, "type", "veth", "peer", "name", far, "netns", ns);
      const net = `198.18.${i + 1}`;
      ip("-n", q, "addr", "add", `${net}.1/24`, "dev", near);
      ip("-n", ns, "addr", "add", `${net}.2/24`, "dev", far);
      ip("-n", q, "link", "set", near, "up");
      ip("-n", ns, "link", "set", far, "up");
      workers.push({ ns, address: `${net}.2`, quarterback: `${net}.1` });
    }
    mkdirSync(hostsDir, { recursive: true });
    const lines = ["127.0.0.1 localhost", "::1 localhost", ...Object.entries(names).flatMap(([name, idx]) => idx.map((i) => `${workers[i]!.address} ${name}`))];
    writeFileSync(join(hostsDir, "hosts"), lines.join("\n") + "\n");
  } catch (err) {
    hosts.remove();
    throw err;
  }
  return hosts;
}
