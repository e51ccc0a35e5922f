/**
 * Calls to workers on other hosts (issue 13): no-op calls through `qb run` with the workers
 * attached over mutual TLS with a token, across network namespaces, against the same flow
 * with the workers spawned on unix sockets, measured in the same run.
 *
 *   unix:   `worker w { run "node bench/workers/noop.js" replicas 2 }`, the quarterback and
 *           its 2 replicas in one namespace, on unix sockets (what a local run does).
 *   remote: `worker w { at "HOST_A:7101", "HOST_B:7101" }`, one no-op worker in each of two
 *           other namespaces (test/support/netns.ts: veth pairs, 198.18.0.0/15), listening
 *           on 0.0.0.0 with a certificate from `qb certs`'s code and a token; the
 *           quarterback dials them over TLS and serves its callback service over TLS.
 *
 * Both run `xs = range(n) | w.noop parallel P | last` through `qb run` in the
 * quarterback's namespace, alternating, best of ROUNDS each; calls/s is n over the engine's
 * time (run.finished's elapsedMs: first call to the end, workers already up). Goal:
 * remote ≥ 0.6 of unix. The namespaces share this machine's 2 cores, so this measures
 * what TLS, TCP and the token cost in CPU, not a network. Without the right to make
 * namespaces (root, iproute2) it measures nothing and says why.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeHosts, netnsUnavailable, type Hosts } from "../test/support/netns.js";
import { authEnv, tlsMaterial } from "../test/support/tls-material.js";
import { QB, REPO, exited, load, log, makeTemp, removeTemp, round, start, stderrTail } from "./workers/harness.js";

const CALLS = 20_000;
const PARALLEL = 256;
const ROUNDS = 3;
const PORT = 7101;
const GOAL = 0.6;

const flow = (worker: string): string => `flow remote(n: int = 1000) {
  ${worker}
  xs = range(n) | w.noop parallel ${PARALLEL}
  x  = xs | last
  emit x
}
`;

/** One `qb run` in namespace `ns`; calls/s over the engine's time. */
async function runOnce(hosts: Hosts, file: string, runDir: string, extra: string[]): Promise<number> {
  const child = start("ip", [...hosts.exec(hosts.ns).slice(1), process.execPath, QB, "run", file, "--param", `n=${CALLS}`, "--run-dir", runDir, ...extra], {
    cwd: REPO,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const tail = stderrTail(child);
  const { code } = await exited(child);
  if (code !== 0) throw new Error(`qb run ${file} exited ${code}:\n${tail()}`);
  const events = readFileSync(join(runDir, "events.ndjson"), "utf8").trim().split("\n");
  const done = events.map((l) => JSON.parse(l) as { type: string; elapsedMs?: number; calls?: { done: number } }).find((e) => e.type === "run.finished");
  if (!done?.elapsedMs || done.calls?.done !== CALLS) throw new Error(`qb run ${file}: no run.finished with ${CALLS} calls in ${runDir}`);
  removeTemp(runDir);
  return (CALLS * 1000) / done.elapsedMs;
}

export default async function remote(): Promise<Record<string, unknown>> {
  const why = netnsUnavailable();
  if (why !== null) return { skipped: true, note: `nothing measured: network namespaces cannot be made here (${why}); run as root with iproute2` };
  const loadBefore = load();
  const t0 = Date.now();
  const dir = makeTemp("remote");
  const hosts = makeHosts(2);
  try {
    const [a, b] = hosts.workers as [Hosts["workers"][0], Hosts["workers"][0]];
    const m = await tlsMaterial(join(dir, "tls"), { qb: [a.quarterback, b.quarterback], hostA: [a.address], hostB: [b.address] });
    const started = hosts.workers.map((h, i) =>
      hosts.start(
        h.ns,
        [process.execPath, join(REPO, "bench/workers/noop.js")],
        { ...authEnv(m.good[i === 0 ? "hostA" : "hostB"]!), QB_LISTEN: `0.0.0.0:${PORT}`, QB_CALLBACK: `${h.quarterback}:7170` },
        REPO,
      ),
    );
    await Promise.all(started.map((p) => p.line(/^QB_LISTENING /m, 30_000)));
    const files = { unix: join(dir, "unix.flow"), remote: join(dir, "remote.flow") };
    writeFileSync(files.unix, flow(`worker w { run "node bench/workers/noop.js" replicas 2 }`));
    writeFileSync(files.remote, flow(`worker w { at "${a.address}:${PORT}", "${b.address}:${PORT}" }`));
    const qb = m.good.qb!;
    const tlsFlags = ["--tls-ca", qb.ca, "--tls-cert", qb.cert, "--tls-key", qb.key, "--token-file", qb.tokenFile, "--callback", "0.0.0.0:7170"];

    const best = { unix: 0, remote: 0 };
    const all: Record<"unix" | "remote", number[]> = { unix: [], remote: [] };
    // one run of each first, not counted: JIT, page cache, TLS session setup code
    await runOnce(hosts, files.unix, join(dir, "warm-unix"), []);
    await runOnce(hosts, files.remote, join(dir, "warm-remote"), tlsFlags);
    for (let r = 1; r <= ROUNDS; r++) {
      for (const mode of ["unix", "remote"] as const) {
        const rate = await runOnce(hosts, files[mode], join(dir, `${mode}-${r}`), mode === "remote" ? tlsFlags : []);
        all[mode].push(round(rate));
        best[mode] = Math.max(best[mode], rate);
      }
      log("remote", `round ${r}/${ROUNDS}: unix ${round(all.unix.at(-1)!)} calls/s, remote over TLS ${round(all.remote.at(-1)!)} calls/s`);
    }
    const ratio = best.remote / best.unix;
    return {
      calls: CALLS,
      parallel: PARALLEL,
      replicas: 2,
      unix_calls_per_s: round(best.unix),
      remote_tls_calls_per_s: round(best.remote),
      remote_over_unix: round(ratio, 3),
      rounds: all,
      goal_remote_over_unix: GOAL,
      goal_met: ratio >= GOAL,
      load_before: loadBefore,
      wall_s: round((Date.now() - t0) / 1000, 1),
    };
  } finally {
    hosts.remove();
    removeTemp(dir);
  }
}
