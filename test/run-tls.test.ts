/**
 * Workers attached over TCP with mutual TLS and a token, on loopback, end to end: `qb certs`
 * makes the material, a worker process serves with it, `qb run` attaches to it with `at`
 * and serves its callback service on TCP (`--callback`) with the same; clients without the
 * right certificate or token are refused by the worker and by the callback service alike,
 * and nothing starts listening on, or dialling, a network address without TLS.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TransportError } from "../src/client/errors.js";
import { WorkerClient } from "../src/client/worker-client.js";
import { clientSetup } from "../src/proto/credentials.js";
import { loadProtos } from "../src/proto/load.js";
import { loadTransportAuth, type AuthFiles } from "../src/proto/transport-auth.js";
import { ROOT } from "./support/examples.js";
import { freePort } from "./support/free-port.js";
import { startQb } from "./support/qb-process.js";
import { authEnv, tlsMaterial, type TlsMaterial } from "./support/tls-material.js";
import { PYTHON, pythonReady, runQb, skipForWant, startWorker, warnPythonSkipped, type RunningWorker } from "./worker-fixtures/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "qb-tls-"));
/** No TLS or token settings from the test's own environment. */
const NO_AUTH = { QB_TLS_CA: "", QB_TLS_CERT: "", QB_TLS_KEY: "", QB_TOKEN_FILE: "" };
const CHAOS = `node ${join(ROOT, "test/workers/chaos.js")}`;
let m: TlsMaterial;
const workers: RunningWorker[] = [];
beforeAll(async () => {
  m = await tlsMaterial(join(dir, "tls"));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function tlsWorker(command: string, files: AuthFiles, extra: Record<string, string> = {}): Promise<RunningWorker> {
  const w = await startWorker(command, { QB_LISTEN: `127.0.0.1:${await freePort()}`, ...authEnv(files), ...extra });
  workers.push(w);
  return w;
}

const runFlags = (f: AuthFiles): string[] => [
  "--tls-ca",
  f.ca!,
  "--tls-cert",
  f.cert!,
  "--tls-key",
  f.key!,
  ...(f.tokenFile ? ["--token-file", f.tokenFile] : []),
];

function flowFile(name: string, text: string): string {
  const p = join(dir, `${name}.flow`);
  writeFileSync(p, text);
  return p;
}

/** One call of the health service (which the callback service serves too) with `files`: "SERVING" or why not. */
async function healthWith(address: string, files: AuthFiles | undefined): Promise<string> {
  const client = new WorkerClient(address, { auth: files && loadTransportAuth(files) });
  try {
    return await client.health("", 3_000);
  } catch (err) {
    return err instanceof TransportError ? `${err.grpcCodeName}: ${err.message}` : String(err);
  } finally {
    client.close();
  }
}

/** A Report to the callback service at `address` with `files`: "delivered" or why not. */
function reportWith(address: string, files: AuthFiles | undefined): Promise<string> {
  const setup = clientSetup(files && loadTransportAuth(files), address);
  const client = new (loadProtos().QuarterbackClient)(address, setup.credentials, setup.options) as unknown as grpc.Client & {
    Report(r: object, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void): void;
  };
  return new Promise((resolve) =>
    client.Report({ kind: "REPORT_KIND_LOG", message: "from an intruder", worker: "x" }, new grpc.Metadata(), { deadline: Date.now() + 3_000 }, (err) => {
      client.close();
      resolve(err ? `${grpc.status[err.code]}: ${err.details}` : "delivered");
    }),
  );
}

describe("qb certs", () => {
  it("makes the CA, a certificate for the hosts and a token, 0600, and prints what to set", async () => {
    const out = join(dir, "made");
    const r = await runQb(["certs", out, "--host", "198.18.1.2", "--host", "workers", "--token"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const f of ["ca.crt", "ca.key", "qb.crt", "qb.key", "token"]) expect(statSync(join(out, f)).mode & 0o777, f).toBe(0o600);
    expect(r.stdout).toContain(
      `export QB_TLS_CA=${join(out, "ca.crt")}\n  export QB_TLS_CERT=${join(out, "qb.crt")}\n  export QB_TLS_KEY=${join(out, "qb.key")}`,
    );
    expect(r.stdout).toContain(`export QB_TOKEN_FILE=${join(out, "token")}`);
    expect(r.stdout).toContain("for 198.18.1.2, workers, localhost, 127.0.0.1, ::1");
    // openssl agrees, when it is there
    const verify = spawnSync("openssl", ["verify", "-CAfile", join(out, "ca.crt"), join(out, "qb.crt")], { encoding: "utf8" });
    if (verify.status !== null) expect(verify.stdout.trim()).toBe(`${join(out, "qb.crt")}: OK`);
    const again = await runQb(["certs", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^qb: .*qb\.crt is there already: give another --name, or remove it first\n/);
  });
});

describe("the openssl commands of docs/remote-workers.md", () => {
  it("make a CA, a certificate and a token that a worker accepts, with whose CA qb certs signs qb run's certificate", async (ctx) => {
    if (spawnSync("openssl", ["version"]).status !== 0) {
      skipForWant("openssl", "the openssl commands of docs/remote-workers.md", "install openssl");
      return ctx.skip();
    }
    const doc = readFileSync(join(ROOT, "docs/remote-workers.md"), "utf8");
    const block = /<!-- openssl-commands[^>]*-->\n```sh\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block, "the openssl block of docs/remote-workers.md").toBeDefined();
    const cwd = mkdtempSync(join(dir, "openssl-"));
    const r = spawnSync("bash", ["-euo", "pipefail", "-c", block!], { cwd, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const tls = join(cwd, "tls");
    for (const f of ["ca.key", "host-a.key", "token"]) expect(statSync(join(tls, f)).mode & 0o077, f).toBe(0);
    // a worker with the openssl certificate, qb run with one qb certs signs with the same CA
    const w = await tlsWorker(CHAOS, { ca: join(tls, "ca.crt"), cert: join(tls, "host-a.crt"), key: join(tls, "host-a.key"), tokenFile: join(tls, "token") });
    const made = await runQb(["certs", tls, "--json"]);
    expect(made.code, made.stderr).toBe(0);
    const qb = JSON.parse(made.stdout) as { caMade: boolean; cert: string; key: string };
    expect(qb.caMade).toBe(false);
    const flow = flowFile("openssl", `flow o() {\n  worker chaos { at "${w.address}" }\n  xs = [1, 2] | chaos.echo\n  emit xs\n}\n`);
    const ok = await runQb(
      ["run", flow, "--run-dir", join(dir, "run-openssl"), ...runFlags({ ca: join(tls, "ca.crt"), cert: qb.cert, key: qb.key, tokenFile: join(tls, "token") })],
      {
        env: NO_AUTH,
      },
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { xs: number[] }).xs.sort()).toEqual([1, 2]);
  }, 30_000);
});

describe("a worker attached over TLS with a token, its reports over the TLS callback service", () => {
  it("runs the flow; clients without the right certificate or token are refused by the worker and by the callback service", async () => {
    const callbackPort = await freePort();
    const callback = `127.0.0.1:${callbackPort}`;
    const w = await tlsWorker(CHAOS, m.good.qb!, { QB_CALLBACK: callback });
    const flow = flowFile(
      "tls",
      `flow tls() {\n  worker chaos { at "${w.address}" }\n  told = range(3) | chaos.tell(message: "over TLS")\n  waited = range(2) | chaos.wait(id: item, ms: 1500)\n  emit told, waited\n}\n`,
    );
    const run = startQb(["run", "--json", flow, "--run-dir", join(dir, "run-tls"), ...runFlags(m.good.qb!), "--callback", callback]);
    await run.waitFor((e) => e.type === "pod.started");
    await run.waitFor((e) => e.type === "log" && String(e.message).includes(`callback service for workers on other hosts at ${callback}`));

    const good = m.good.qb!;
    const refusals = {
      worker: {
        "no TLS": await healthWith(w.address, undefined),
        "a certificate from another CA": await healthWith(w.address, { ca: good.ca, cert: m.otherCa.cert, key: m.otherCa.key, tokenFile: good.tokenFile }),
        "no token": await healthWith(w.address, { ...good, tokenFile: undefined }),
        "a wrong token": await healthWith(w.address, { ...good, tokenFile: m.wrongToken }),
      },
      callback: {
        "no TLS": await reportWith(callback, undefined),
        "a certificate from another CA": await reportWith(callback, { ca: good.ca, cert: m.otherCa.cert, key: m.otherCa.key, tokenFile: good.tokenFile }),
        "no token": await reportWith(callback, { ...good, tokenFile: undefined }),
        "a wrong token": await reportWith(callback, { ...good, tokenFile: m.wrongToken }),
      },
    };
    console.info(`what refused clients are told:\n${JSON.stringify(refusals, null, 2)}`);
    for (const side of [refusals.worker, refusals.callback]) {
      expect(side["no TLS"]).toMatch(/UNAVAILABLE: .*No connection established\. Last error: (?:Failed to connect|read ECONNRESET)/);
      expect(side["a certificate from another CA"]).toMatch(/UNAVAILABLE: .*No connection established\. Last error: (?:Failed to connect|read ECONNRESET)/);
      expect(side["no token"]).toMatch(/UNAUTHENTICATED: .*this server needs a token: send `authorization: Bearer <token>` metadata/);
      expect(side["a wrong token"]).toMatch(/UNAUTHENTICATED: .*the token is not the one this server was given/);
    }
    // the right material passes both
    expect(await healthWith(w.address, good)).toBe("SERVING");
    expect(await healthWith(callback, good)).toBe("SERVING");

    const { code } = await run.exit;
    expect(code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    const result = run.events.find((e) => e.type === "result") as { result: { told: boolean[]; waited: number[] } };
    // every report crossed the callback service over TLS; the intruders' did not
    expect(result.result.told).toEqual([true, true, true]);
    const logs = run.events.filter((e) => e.type === "log").map((e) => String(e.message));
    expect(logs.filter((l) => l.endsWith(": over TLS"))).toHaveLength(3);
    expect(logs.some((l) => l.includes("from an intruder"))).toBe(false);
  }, 30_000);

  it("fails at once, saying why, when qb run lacks the certificate or the token", async () => {
    const w = await tlsWorker(CHAOS, m.good.qb!);
    const flow = flowFile("one", `flow one() {\n  worker chaos { at "${w.address}" }\n  xs = range(2) | chaos.echo\n  emit xs\n}\n`);
    const t0 = Date.now();
    const plain = await runQb(["run", flow, "--run-dir", join(dir, "run-plain")], { env: NO_AUTH });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(
      `qb: run failed: worker \`chaos\` replica 0: refused at ${w.address}: health: No connection established. Last error: Failed to connect`,
    );
    expect(plain.stderr).toContain("a server that demands TLS refuses a plain client this way");
    const noToken = await runQb(["run", flow, "--run-dir", join(dir, "run-no-token"), ...runFlags({ ...m.good.qb!, tokenFile: undefined })]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain(`refused at ${w.address}: health: this server needs a token`);
    // neither waited for the start timeout (15 s)
    expect(Date.now() - t0).toBeLessThan(10_000);
    const ok = await runQb(["run", flow, "--run-dir", join(dir, "run-ok"), ...runFlags(m.good.qb!)]);
    expect(ok.stderr).toMatch(/\nrun \S+ finished in /);
    expect(JSON.parse(ok.stdout)).toEqual({ xs: [0, 1] });
  }, 30_000);

  it("works with QB_TLS_* and QB_TOKEN_FILE in qb run's environment instead of options, and a worker written in Python (with a health-only port)", async () => {
    warnPythonSkipped("a Python worker over TLS");
    const command = pythonReady ? `${PYTHON} ${join(ROOT, "examples/workers/python/montecarlo.py")}` : `node ${join(ROOT, "examples/workers/montecarlo.js")}`;
    const healthPort = await freePort();
    const w = await tlsWorker(command, m.good.qb!, { QB_HEALTH_LISTEN: `127.0.0.1:${healthPort}` });
    // its health-only port answers anyone, without certificate or token; its own port does not
    expect(await healthWith(`127.0.0.1:${healthPort}`, undefined)).toBe("SERVING");
    expect(await healthWith(w.address, undefined)).toMatch(/^UNAVAILABLE/);
    const flow = flowFile(
      "pi",
      `flow pi() {\n  worker mc { at "${w.address}" }\n  s = range(4) | mc.sample(n: 1000, seed: item) | reduce mc.add\n  emit s\n}\n`,
    );
    const r = await runQb(["run", flow, "--run-dir", join(dir, "run-env")], { env: authEnv(m.good.qb!) });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { s: Array<{ n: number }> }).s[0]!.n).toBe(4000);
    const noToken = await runQb(["run", flow, "--run-dir", join(dir, "run-env-2")], { env: { ...authEnv(m.good.qb!), QB_TOKEN_FILE: "" } });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain("this server needs a token");
  }, 30_000);
});

describe("the refusal rule", () => {
  it("a worker told to listen on 0.0.0.0 without TLS does not start, and says how to fix it", async () => {
    // run directly (not through a shell), so that the timeout would end the worker itself
    const chaos = [process.execPath, join(ROOT, "test/workers/chaos.js")];
    const python = [PYTHON, join(ROOT, "examples/workers/python/montecarlo.py")];
    for (const [command, ...args] of [chaos, ...(pythonReady ? [python] : [])]) {
      const r = spawnSync(command!, args, {
        env: { ...process.env, ...NO_AUTH, QB_LISTEN: "0.0.0.0:0" },
        encoding: "utf8",
        timeout: 20_000,
        killSignal: "SIGKILL",
      });
      expect(r.status, command).not.toBe(0);
      expect(r.stdout).not.toContain("QB_LISTENING");
      expect(r.stderr).toMatch(/refuses to listen on 0\.0\.0\.0:0 without TLS: .*set QB_TLS_CA, QB_TLS_CERT and QB_TLS_KEY/);
    }
    // a token alone is not enough there
    const r = spawnSync(chaos[0]!, chaos.slice(1), {
      env: { ...process.env, ...NO_AUTH, QB_LISTEN: "0.0.0.0:0", QB_TOKEN_FILE: m.good.qb!.tokenFile },
      encoding: "utf8",
      timeout: 20_000,
      killSignal: "SIGKILL",
    });
    expect(r.stderr).toMatch(/a token without TLS would cross the network in clear text/);
  }, 30_000);

  it("qb run refuses --callback on a network address without TLS, and an attached worker there, before anything starts (exit 2)", async () => {
    const cb = await runQb(
      ["run", flowFile("cb", `flow cb() {\n  worker w { at "127.0.0.1:1" }\n  xs = [1] | w.echo\n  emit xs\n}\n`), "--callback", "0.0.0.0:0"],
      { env: NO_AUTH },
    );
    expect(cb.code).toBe(2);
    expect(cb.stderr).toMatch(/^qb: the callback service \(--callback\) refuses to listen on 0\.0\.0\.0:0 without TLS/);
    const far = await runQb(["run", "--json", flowFile("far", `flow far() {\n  worker w { at "0.0.0.0:7000" }\n  xs = [1] | w.echo\n  emit xs\n}\n`)], {
      env: NO_AUTH,
    });
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/qb: worker `w` replica 0 refuses to connect to 0\.0\.0\.0:7000 without TLS/);
    expect(far.stdout).not.toContain("pod.started");
    const partial = await runQb(["run", flowFile("p", "flow p() {\n  xs = [1]\n  emit xs\n}\n"), "--tls-ca", m.good.qb!.ca], { env: NO_AUTH });
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/^qb: TLS needs a CA, a certificate and its key: --tls-ca is set but not QB_TLS_CERT nor QB_TLS_KEY/);
    expect(readFileSync(m.good.qb!.ca, "utf8")).toMatch(/BEGIN CERTIFICATE/);
  }, 30_000);
});
