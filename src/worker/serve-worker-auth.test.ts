/**
 * A worker's TLS and token: what it refuses to start with, what it serves to whom, its
 * health-only port, and its reports to a callback service that demands the same.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tlsMaterial, type TlsMaterial } from "../../test/support/tls-material.js";
import { TransportError } from "../client/errors.js";
import { WorkerClient } from "../client/worker-client.js";
import { serveCallback } from "../proto/callback-server.js";
import type { ReportRequestMsg } from "../proto/messages.js";
import { AuthConfigError, loadTransportAuth } from "../proto/transport-auth.js";
import { InsecureTransportError } from "../proto/transport-policy.js";
import { serveWorker } from "./serve-worker.js";
import type { CallContext, WorkerOptions, WorkerServer } from "./types.js";

const dir = mkdtempSync(join(tmpdir(), "qb-worker-auth-"));
let m: TlsMaterial;
const started: WorkerServer[] = [];
const clients: WorkerClient[] = [];
beforeAll(async () => {
  m = await tlsMaterial(dir);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(started.map((w) => w.shutdown()));
  rmSync(dir, { recursive: true, force: true });
});

const methods = { tell: async (input: { message: string }, ctx: CallContext) => ctx.report({ kind: "log", message: input.message }) };

async function serve(options: WorkerOptions): Promise<WorkerServer> {
  const w = await serveWorker(methods, { ownsProcess: false, announce: false, env: {}, log: () => undefined, listen: "127.0.0.1:0", ...options });
  started.push(w);
  return w;
}

function client(address: string, files?: Parameters<typeof loadTransportAuth>[0]): WorkerClient {
  const c = new WorkerClient(address, { auth: files && loadTransportAuth(files) });
  clients.push(c);
  return c;
}

const failure = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "it answered",
    (e: unknown) => (e instanceof TransportError ? `${e.grpcCodeName}: ${e.message}` : String(e)),
  );

describe("a worker told to listen where other hosts reach it", () => {
  it("refuses to start without TLS, saying how to fix it, and listens nowhere", async () => {
    const err = await serve({ name: "mc", listen: "0.0.0.0:0" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsecureTransportError);
    expect((err as Error).message).toMatch(/^worker `mc` refuses to listen on 0\.0\.0\.0:0 without TLS: .* set QB_TLS_CA, QB_TLS_CERT and QB_TLS_KEY/);
  });

  it("refuses a token alone there, and reads QB_TOKEN_FILE from its environment to say so", async () => {
    const err = await serve({ name: "mc", listen: "[::]:0", env: { QB_TOKEN_FILE: m.good.qb!.tokenFile } }).catch((e: unknown) => e);
    expect((err as InsecureTransportError).tokenOnly).toBe(true);
  });

  it("refuses to report to a callback service on the network without TLS", async () => {
    // (0.0.0.0 is not loopback by the rule, and a connection to it would stay on this machine)
    await expect(serve({ name: "mc", callback: "0.0.0.0:7070" })).rejects.toThrow(
      /^worker `mc` \(its callback client, QB_CALLBACK\) refuses to connect to 0\.0\.0\.0:7070 without TLS/,
    );
  });

  it("refuses incomplete TLS settings", async () => {
    await expect(serve({ env: { QB_TLS_CA: m.good.qb!.ca } })).rejects.toThrow(AuthConfigError);
  });
});

describe("a worker with TLS and a token", () => {
  it("serves a client with a certificate from its CA and the token, and refuses the others, saying why", async () => {
    const w = await serve({ auth: m.good.qb! });
    expect(await client(w.address, m.good.qb!).invoke("qb.echo", { x: 1 })).toEqual({ x: 1 });
    const session = client(w.address, m.good.qb!).session();
    expect(await session.request("qb.echo", "over Session")).toBe("over Session");
    session.end();
    const noToken = { ...m.good.qb!, tokenFile: undefined };
    expect(await failure(client(w.address, noToken).invoke("qb.echo", 1))).toBe(
      "UNAUTHENTICATED: qb.echo: this server needs a token: send `authorization: Bearer <token>` metadata (give the caller QB_TOKEN_FILE)",
    );
    expect(await failure(client(w.address, { ...m.good.qb!, tokenFile: m.wrongToken }).health())).toBe(
      "UNAUTHENTICATED: health: the token is not the one this server was given",
    );
    expect(await failure(client(w.address, { tokenFile: m.good.qb!.tokenFile }).health())).toMatch(
      /^UNAVAILABLE: health: .*(?:Failed to connect|read ECONNRESET)/,
    );
    expect(await failure(client(w.address, { ca: m.good.qb!.ca, cert: m.otherCa.cert, key: m.otherCa.key }).health())).toMatch(
      /^UNAVAILABLE: health: .*(?:Failed to connect|read ECONNRESET)/,
    );
  });

  it("serves health alone, to anyone, on its health-only port (QB_HEALTH_LISTEN)", async () => {
    const w = await serve({ auth: m.good.qb!, env: { QB_HEALTH_LISTEN: "127.0.0.1:0" } });
    expect(w.healthAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    const plain = client(w.healthAddress!);
    expect(await plain.health("")).toBe("SERVING");
    expect(await plain.health("quarterback.v1.Worker")).toBe("SERVING");
    expect(await failure(plain.invoke("qb.echo", 1))).toMatch(/^UNIMPLEMENTED: /);
    expect(await failure(client(w.address).health())).toMatch(/^UNAVAILABLE/);
    await w.shutdown();
    // closed with the worker
    expect(await failure(client(w.healthAddress!).health())).not.toBe("it answered");
  });
});

describe("reports to a callback service with TLS and a token", () => {
  it("arrive from a worker given the same material, and not from one with another token", async () => {
    const reports: ReportRequestMsg[] = [];
    const cb = await serveCallback({ report: (r) => (reports.push(r), { runCancelled: false }) }, "127.0.0.1:0", loadTransportAuth(m.good.qb!));
    try {
      const good = await serve({ auth: m.good.qb!, callback: cb.address });
      expect(await client(good.address, m.good.qb!).invoke("tell", { message: "over TLS" })).toEqual({ delivered: true, runCancelled: false });
      const wrong = await serve({ auth: { ...m.good.qb!, tokenFile: m.wrongToken }, callback: cb.address });
      expect(await client(wrong.address, { ...m.good.qb!, tokenFile: m.wrongToken }).invoke("tell", { message: "intruder" })).toEqual({
        delivered: false,
        runCancelled: false,
      });
      expect(reports.map((r) => r.message)).toEqual(["over TLS"]);
    } finally {
      await cb.close();
    }
  });
});
