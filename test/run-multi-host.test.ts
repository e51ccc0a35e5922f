/**
 * Workers on other hosts, for real: three network namespaces joined by veth pairs (the
 * quarterback in one, worker processes in each of the two others), every connection over
 * mutual TLS with a token. Worker processes listen on 0.0.0.0 of their host and report to
 * the quarterback's callback service at its address on their link (QB_CALLBACK); the flows
 * attach them with `at`, by a DNS name that stands for both hosts (the quarterback's
 * /etc/hosts) or by their addresses. Pi and digest give the local run's result; killing
 * every process of one host mid-run sends its calls to the other, and the result is
 * unchanged; clients without the right certificate or token are refused by the workers
 * and by the callback service. About 25 s. Needs root and iproute2: elsewhere it prints a
 * SKIPPED line, and under CI=true it fails instead.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCEPTANCE, ROOT } from "./support/examples.js";
import { makeHosts, netnsUnavailable, type HostProcess, type Hosts } from "./support/netns.js";
import { startQb, type QbRun } from "./support/qb-process.js";
import { authEnv, tlsMaterial, type TlsMaterial } from "./support/tls-material.js";
import { inCi } from "./worker-fixtures/helpers.js";

const unavailable = netnsUnavailable();
if (unavailable !== null) {
  if (inCi) throw new Error(`CI refuses to skip the multi-host suite: ${unavailable} (CI=true; see docs/testing.md)`);
  console.warn(`\n*** SKIPPED: the multi-host suite (workers on other hosts over TLS): ${unavailable}; it needs root and iproute2. ***\n`);
}

const dir = mkdtempSync(join(tmpdir(), "qb-hosts-"));
const CALLBACK_PORT = 7070;
/** The worker programs every host runs, and their ports. */
const PROGRAMS = {
  mc: { port: 7001, script: "examples/workers/montecarlo.js" },
  md5: { port: 7002, script: "examples/workers/md5.js" },
  chaos: { port: 7003, script: "test/workers/chaos.js" },
};
/**
 * examples/pi.flow attached to both hosts by the name `workers`; its reduce and ratio may be
 * retried too (`hits` already are): a call in flight on a host that is lost fails as
 * retryable, and runs again elsewhere only with `retry` (docs/runtime.md).
 */
const piRemote = (): string =>
  variant("pi", `worker mc { at "workers:${PROGRAMS.mc.port}" }`, (t) =>
    t.replace("| reduce mc.add\n", "| reduce mc.add retry 2\n").replace(/(mc\.ratio\([^)]*\))\n/, "$1 retry 2\n"),
  );
/** Big enough that calls are in flight on both hosts when one is killed (~2 s of CPU). */
const PI_PARAMS = ["--param", "samples=96000000", "--param", "shards=32"];

let hosts: Hosts | undefined;
let m: TlsMaterial;
const processes: HostProcess[] = [];
afterAll(() => {
  hosts?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** A flow file: `examples/NAME.flow` with its worker declaration replaced by `worker`, then `edit`ed. */
function variant(name: string, worker: string, edit: (text: string) => string = (t) => t): string {
  const text = readFileSync(join(ROOT, "examples", `${name}.flow`), "utf8");
  const replaced = edit(text.replace(/^  worker \w+ \{[\s\S]*?\n?\s*\}\n/m, `  ${worker}\n`));
  expect(replaced).not.toBe(text);
  const path = join(dir, `${name}-remote.flow`);
  writeFileSync(path, replaced);
  return path;
}

function flowFile(name: string, text: string): string {
  const path = join(dir, `${name}.flow`);
  writeFileSync(path, text);
  return path;
}

/** `qb run --json` in the quarterback's namespace with its certificate and token, serving its callback service on both links. */
function remoteRun(args: string[]): QbRun {
  const qb = m.good.qb!;
  return startQb(
    [
      "run",
      "--json",
      ...args,
      "--tls-ca",
      qb.ca,
      "--tls-cert",
      qb.cert,
      "--tls-key",
      qb.key,
      "--token-file",
      qb.tokenFile,
      "--callback",
      `0.0.0.0:${CALLBACK_PORT}`,
    ],
    ROOT,
    { prefix: hosts!.exec(hosts!.ns) },
  );
}

async function finished(run: QbRun): Promise<Record<string, unknown[]>> {
  const { code } = await run.exit;
  expect(code, run.stderr).toBe(0);
  return (run.events.find((e) => e.type === "result") as { result: Record<string, unknown[]> }).result;
}

/** What a server at `address` answers, from namespace `ns`, to a client with each set of material (test/support/tls-probe.ts). */
async function probe(ns: string, address: string, sets: Record<string, object | null>): Promise<Record<string, string>> {
  const p = hosts!.start(
    ns,
    [process.execPath, "--import", "tsx", join(ROOT, "test/support/tls-probe.ts"), address],
    { QB_PROBE_FILES: JSON.stringify(sets) },
    ROOT,
  );
  const [line] = await p.line(/^\{.*\}$/m, 20_000);
  return JSON.parse(line) as Record<string, string>;
}

describe.skipIf(unavailable !== null)("workers on two other hosts, over mutual TLS", () => {
  beforeAll(async () => {
    hosts = makeHosts(2, { workers: [0, 1] });
    const [a, b] = hosts.workers;
    m = await tlsMaterial(join(dir, "tls"), {
      qb: [a!.quarterback, b!.quarterback],
      hostA: [a!.address, "workers"],
      hostB: [b!.address, "workers"],
    });
    const starting: Array<Promise<unknown>> = [];
    hosts.workers.forEach((h, i) => {
      const files = m.good[i === 0 ? "hostA" : "hostB"]!;
      for (const [name, p] of Object.entries(PROGRAMS)) {
        const land = mkdtempSync(join(dir, `land-${i}-`));
        const proc = hosts!.start(
          h.ns,
          [process.execPath, join(ROOT, p.script)],
          {
            ...authEnv(files),
            QB_LISTEN: `0.0.0.0:${p.port}`,
            QB_CALLBACK: `${h.quarterback}:${CALLBACK_PORT}`,
            QB_LAND: land,
            QB_WORKER_NAME: name,
            QB_REPLICA: String(i),
          },
          ROOT,
        );
        processes.push(proc);
        starting.push(proc.line(/^QB_LISTENING 0\.0\.0\.0:\d+$/m));
      }
    });
    await Promise.all(starting);
  }, 30_000);

  let localPi: number;

  it("pi, attached by a DNS name that stands for both hosts, gives the local run's result, with calls on both", async () => {
    const local = startQb(["run", "--json", "examples/pi.flow", ...PI_PARAMS, "--run-dir", join(dir, "pi-local")]);
    localPi = (await finished(local)).pi![0] as number;
    expect(Math.abs(localPi - Math.PI)).toBeLessThan(0.01);

    const run = remoteRun([piRemote(), ...PI_PARAMS, "--run-dir", join(dir, "pi-remote")]);
    const result = await finished(run);
    expect(result.pi![0]).toBe(localPi);
    const started = run.events.find((e) => e.type === "pod.started") as { replicas: Array<{ address: string; pid: number | null }> };
    expect(started.replicas.map((r) => r.address).sort()).toEqual(hosts!.workers.map((h) => `${h.address}:${PROGRAMS.mc.port}`));
    expect(started.replicas.every((r) => r.pid === null)).toBe(true);
    const placed = new Set(run.events.filter((e) => e.type === "call.finished" && e.step === "hits").map((e) => e.replica));
    expect(placed).toEqual(new Set([0, 1]));
    expect(run.stderr).toBe("");
  }, 60_000);

  it("digest, attached by both addresses, gives the local run's result", async () => {
    const root = join(ACCEPTANCE, "digest", "tree");
    const local = await finished(startQb(["run", "--json", "examples/digest.flow", "--param", `root=${root}`, "--run-dir", join(dir, "digest-local")]));
    const at = hosts!.workers.map((h) => `"${h.address}:${PROGRAMS.md5.port}"`).join(", ");
    const remote = await finished(
      remoteRun([variant("digest", `worker md5 { at ${at} }`), "--param", `root=${root}`, "--run-dir", join(dir, "digest-remote")]),
    );
    expect(remote).toEqual(local);
    expect(remote.table![0]).toEqual(JSON.parse(readFileSync(join(ACCEPTANCE, "expected", "digest.json"), "utf8")));
  }, 60_000);

  it("both hosts report over TLS to the callback service; clients without the right certificate or token are refused by workers and callback service", async () => {
    // the run stays on (so its callback service listens) until the probes are done
    const release = join(dir, "probes-done");
    const flow = flowFile(
      "tell",
      `flow tell() {\n  worker chaos { at "workers:${PROGRAMS.chaos.port}" }\n  told = range(8) | chaos.tell(message: "from far away") parallel 8\n  held = range(2) | chaos.until(file: "${release}", ms: 30000) parallel 2\n  emit told, held\n}\n`,
    );
    const run = remoteRun([flow, "--run-dir", join(dir, "tell")]);
    await run.waitFor((e) => e.type === "pod.started");
    const [a] = hosts!.workers;
    const good = m.good.qb!;
    const sets = {
      "no TLS": null,
      "a certificate from another CA": { ca: good.ca, cert: m.otherCa.cert, key: m.otherCa.key, tokenFile: good.tokenFile },
      "no token": { ca: good.ca, cert: good.cert, key: good.key },
      "a wrong token": { ...good, tokenFile: m.wrongToken },
      "the right certificate and token": good,
    };
    // the quarterback's host dials a worker; a worker's host dials the callback service (while the run is on)
    const [worker, callback] = await Promise.all([
      probe(hosts!.ns, `${a!.address}:${PROGRAMS.chaos.port}`, sets),
      probe(a!.ns, `${a!.quarterback}:${CALLBACK_PORT}`, { ...sets, "the right certificate and token": m.good.hostA! }),
    ]);
    writeFileSync(release, "");
    console.info(`across hosts, refused clients are told:\n${JSON.stringify({ worker, callback }, null, 2)}`);
    for (const answers of [worker, callback]) {
      expect(answers["no TLS"]).toMatch(/^UNAVAILABLE: health: No connection established\. Last error: (?:Failed to connect|read ECONNRESET)/);
      expect(answers["a certificate from another CA"]).toMatch(
        /^UNAVAILABLE: health: No connection established\. Last error: (?:Failed to connect|read ECONNRESET)/,
      );
      expect(answers["no token"]).toBe(
        "UNAUTHENTICATED: health: this server needs a token: send `authorization: Bearer <token>` metadata (give the caller QB_TOKEN_FILE)",
      );
      expect(answers["a wrong token"]).toBe("UNAUTHENTICATED: health: the token is not the one this server was given");
      expect(answers["the right certificate and token"]).toBe("SERVING");
    }
    const result = await finished(run);
    expect(result.told).toEqual(Array(8).fill(true));
    expect(result.held).toEqual([true, true]);
    // reports came from both hosts (each worker says which replica it is: QB_REPLICA)
    const senders = new Set(
      run.events.filter((e) => e.type === "log" && String(e.message).endsWith(": from far away")).map((e) => /replica (\d+)/.exec(String(e.message))?.[1]),
    );
    expect(senders).toEqual(new Set(["0", "1"]));
  }, 60_000);

  it("kill every process of one host mid-run: its calls are retried on the other host, and the result is unchanged", async () => {
    const run = remoteRun([piRemote(), ...PI_PARAMS, "--run-dir", join(dir, "pi-kill")]);
    const started = (await run.waitFor((e) => e.type === "pod.started")) as { replicas: Array<{ replica: number; address: string }> };
    const [, b] = hosts!.workers;
    const onB = started.replicas.find((r) => r.address.startsWith(`${b!.address}:`))!.replica;
    // calls have run on both hosts, and more are in flight
    await run.waitFor((e) => e.type === "call.finished" && e.step === "hits" && e.replica === onB, 30_000);
    expect(run.events.some((e) => e.type === "result")).toBe(false);
    const killed = hosts!.killAll(b!.ns);
    expect(killed).toBe(Object.keys(PROGRAMS).length);
    const result = await finished(run);
    expect(result.pi![0]).toBe(localPi);
    // the calls that were on B went again, and ended on A
    const retried = new Set(run.events.filter((e) => e.type === "call.retried" && e.step === "hits").map((e) => e.callId));
    expect(retried.size).toBeGreaterThan(0);
    const finishedAgain = run.events.filter((e) => e.type === "call.finished" && e.step === "hits" && retried.has(e.callId));
    expect(finishedAgain.map((e) => e.replica)).toEqual([...retried].map(() => 1 - onB));
    expect(run.events.some((e) => e.type === "log" && String(e.message).startsWith(`worker mc replica ${onB} unreachable`))).toBe(true);
  }, 60_000);
});
