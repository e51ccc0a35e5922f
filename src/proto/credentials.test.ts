/**
 * Servers and clients built from TransportAuth, over real loopback connections: the token
 * checked before any handler, mutual TLS, and what each refused client is told.
 */
import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tlsMaterial, type TlsMaterial } from "../../test/support/tls-material.js";
import { bindServer } from "./bind.js";
import { clientSetup, serverAuthOptions, tokenRefusal, tokensMatch } from "./credentials.js";
import { HealthService } from "./health-service.js";
import { loadProtos } from "./load.js";
import { loadTransportAuth, type AuthFiles, type TransportAuth } from "./transport-auth.js";
import { InsecureTransportError } from "./transport-policy.js";

const dir = mkdtempSync(join(tmpdir(), "qb-creds-"));
let m: TlsMaterial;
const servers: grpc.Server[] = [];
beforeAll(async () => {
  m = await tlsMaterial(dir);
});
afterAll(() => {
  for (const s of servers) s.forceShutdown();
  rmSync(dir, { recursive: true, force: true });
});

async function healthServer(auth: TransportAuth | undefined, address = "127.0.0.1:0"): Promise<string> {
  const server = new grpc.Server(serverAuthOptions(auth));
  new HealthService({ "": "SERVING" }).addToServer(server);
  servers.push(server);
  return bindServer(server, address, auth, "the test server");
}

/** One health check: "SERVING", or the error's code name and details. */
function check(address: string, auth: TransportAuth | undefined, serverName?: string): Promise<string> {
  const setup = clientSetup(auth, address, serverName);
  return checkWith(address, setup.credentials, setup.options);
}

function checkWith(address: string, credentials: grpc.ChannelCredentials, options: grpc.ClientOptions = {}): Promise<string> {
  const { HealthClient } = loadProtos();
  const client = new HealthClient(address, credentials, options) as unknown as {
    Check(r: object, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v?: { status: string }) => void): void;
    close(): void;
  };
  return new Promise((resolve) =>
    client.Check({ service: "" }, new grpc.Metadata(), { deadline: Date.now() + 3_000 }, (err, v) => {
      client.close();
      resolve(err ? `${grpc.status[err.code]}: ${err.details}` : v!.status);
    }),
  );
}

const load = (f: AuthFiles): TransportAuth => loadTransportAuth(f)!;

describe("tokens", () => {
  it("match only when equal", () => {
    expect(tokensMatch("0123456789abcdef", "0123456789abcdef")).toBe(true);
    expect(tokensMatch("0123456789abcdeF", "0123456789abcdef")).toBe(false);
    expect(tokensMatch("0123456789abcdef0", "0123456789abcdef")).toBe(false);
    expect(tokensMatch("", "0123456789abcdef")).toBe(false);
  });

  it("are read from `authorization: Bearer <token>` metadata, once", () => {
    const md = (...values: string[]): grpc.Metadata => {
      const m = new grpc.Metadata();
      for (const v of values) m.add("authorization", v);
      return m;
    };
    expect(tokenRefusal(md(), "secret-secret-secret")).toMatch(/^this server needs a token/);
    expect(tokenRefusal(md("Bearer secret-secret-secret"), "secret-secret-secret")).toBeNull();
    expect(tokenRefusal(md("Bearer wrong"), "secret-secret-secret")).toBe("the token is not the one this server was given");
    expect(tokenRefusal(md("Basic secret-secret-secret"), "secret-secret-secret")).toBe("the authorization metadata is not one `Bearer <token>`");
    expect(tokenRefusal(md("Bearer secret-secret-secret", "Bearer secret-secret-secret"), "secret-secret-secret")).toBe(
      "the authorization metadata is not one `Bearer <token>`",
    );
  });
});

describe("a server with a token (loopback, no TLS)", () => {
  it("answers only calls that bring it; the others get UNAUTHENTICATED and why", async () => {
    const token = { token: load({ tokenFile: m.good.qb!.tokenFile }).token! };
    const address = await healthServer(token);
    expect(await check(address, token)).toBe("SERVING");
    expect(await check(address, undefined)).toBe(
      "UNAUTHENTICATED: this server needs a token: send `authorization: Bearer <token>` metadata (give the caller QB_TOKEN_FILE)",
    );
    expect(await check(address, load({ tokenFile: m.wrongToken }))).toBe("UNAUTHENTICATED: the token is not the one this server was given");
  });
});

describe("a server with mutual TLS", () => {
  it("answers a client with a certificate from its CA, and refuses every other", async () => {
    const good = load(m.good.qb!);
    const address = await healthServer(good);
    expect(await check(address, good)).toBe("SERVING");
    // a plain client: the TLS server drops the connection before any HTTP/2 session
    expect(await check(address, undefined)).toMatch(/^UNAVAILABLE: No connection established\. Last error: (?:Failed to connect|read ECONNRESET)/);
    // a client that trusts the server, with a certificate signed by another CA: refused by the server, the same way
    expect(await check(address, load({ ca: m.good.qb!.ca, cert: m.otherCa.cert, key: m.otherCa.key }))).toMatch(
      /^UNAVAILABLE: .*(?:Failed to connect|read ECONNRESET)/,
    );
    // no certificate at all: the server's TLS alert says so
    expect(await checkWith(address, grpc.credentials.createSsl(good.tls!.ca))).toMatch(/^UNAVAILABLE: .*certificate required/);
    // a client that does not trust the server's CA: it says so
    expect(await check(address, load({ ca: m.otherCa.ca, cert: m.good.qb!.cert, key: m.good.qb!.key }))).toMatch(
      /^UNAVAILABLE: .*self-signed certificate in certificate chain/,
    );
  });

  it("is refused by a client that dials it by a name its certificate lacks, unless told the name to check", async () => {
    const good = load(m.good.qb!);
    const address = await healthServer(good);
    const port = address.split(":").at(-1);
    // the certificate names localhost, 127.0.0.1 and ::1: dialled as 127.0.0.1 but checked as another name
    expect(await check(`127.0.0.1:${port}`, good, "workers.example")).toMatch(/^UNAVAILABLE: .*Hostname\/IP does not match certificate's altnames/);
    expect(await check(`127.0.0.1:${port}`, good, "localhost")).toBe("SERVING");
  });

  it("with a token too, needs both", async () => {
    const both = load(m.good.qb!);
    const address = await healthServer(both);
    expect(await check(address, both)).toBe("SERVING");
    expect(await check(address, { tls: both.tls! })).toMatch(/^UNAUTHENTICATED: this server needs a token/);
  });
});

describe("binding", () => {
  it("refuses a network address without TLS before listening, even with a token", async () => {
    await expect(healthServer(undefined, "0.0.0.0:0")).rejects.toThrow(InsecureTransportError);
    await expect(healthServer({ token: "0123456789abcdef0123" }, "0.0.0.0:0")).rejects.toThrow(/the test server refuses to listen on 0\.0\.0\.0:0 without TLS/);
  });

  it("serves a unix socket without TLS even when given TLS (only this host reaches it)", async () => {
    const good = load(m.good.qb!);
    const address = await healthServer(good, `unix:${join(dir, "h.sock")}`);
    expect(await check(address, good)).toBe("SERVING");
    expect(await check(address, { tls: good.tls! })).toMatch(/^UNAUTHENTICATED/);
  });
});
