import { describe, expect, it } from "vitest";
import { checkTransport, hostOf, InsecureTransportError, isLoopbackAddress } from "./transport-policy.js";

const tls = { tls: { ca: Buffer.from(""), cert: Buffer.from(""), key: Buffer.from("") } };
const token = { token: "0123456789abcdef0123" };

describe("hostOf", () => {
  it.each([
    ["127.0.0.1:7000", "127.0.0.1"],
    ["[::1]:7000", "::1"],
    ["[fe80::1]:0", "fe80::1"],
    ["::1", "::1"],
    ["workers.ns.svc:7000", "workers.ns.svc"],
    ["dns:workers:7000", "workers"],
    ["dns:///workers:7000", "workers"],
    ["0.0.0.0:0", "0.0.0.0"],
    ["localhost", "localhost"],
  ])("%s → %s", (address, host) => expect(hostOf(address)).toBe(host));

  it("has no host for a unix socket", () => {
    expect(hostOf("unix:/tmp/w.sock")).toBeNull();
    expect(hostOf("unix-abstract:qb")).toBeNull();
  });
});

describe("isLoopbackAddress", () => {
  it.each([
    "unix:/tmp/w.sock",
    "127.0.0.1:7000",
    "127.9.8.7:1",
    "localhost:7000",
    "LOCALHOST:7000",
    "[::1]:7000",
    "[::ffff:127.0.0.1]:80",
    "[0:0:0:0:0:0:0:1]:1",
  ])("%s is loopback", (a) => expect(isLoopbackAddress(a)).toBe(true));

  it.each([
    "0.0.0.0:7000",
    "[::]:7000",
    "10.0.0.5:7000",
    "198.18.1.2:1",
    "[::ffff:10.0.0.1]:80",
    "[::2]:1",
    "workers:7000",
    "localhost.evil.example:1",
    "128.0.0.1:1",
  ])("%s is not", (a) => expect(isLoopbackAddress(a)).toBe(false));
});

describe("checkTransport: the refusal rule", () => {
  it("lets anything listen on or dial a loopback address or a unix socket, with or without TLS or token", () => {
    for (const address of ["127.0.0.1:0", "unix:/tmp/x.sock", "[::1]:7000", "localhost:0"])
      for (const auth of [undefined, token, tls])
        for (const side of ["listen", "dial"] as const) expect(() => checkTransport("w", address, auth, side)).not.toThrow();
  });

  it("lets a server listen on a network address with TLS, with or without a token", () => {
    expect(() => checkTransport("w", "0.0.0.0:7000", tls, "listen")).not.toThrow();
    expect(() => checkTransport("w", "10.1.2.3:7000", { ...tls, ...token }, "dial")).not.toThrow();
  });

  it("refuses a network address without TLS, saying what and how to fix it", () => {
    const err = (() => {
      try {
        checkTransport("worker `mc`", "0.0.0.0:7000", undefined, "listen");
      } catch (e) {
        return e;
      }
    })() as InsecureTransportError;
    expect(err).toBeInstanceOf(InsecureTransportError);
    expect(err).toMatchObject({ what: "worker `mc`", address: "0.0.0.0:7000", side: "listen", tokenOnly: false });
    expect(err.message).toBe(
      "worker `mc` refuses to listen on 0.0.0.0:7000 without TLS: it is not a loopback address, so anyone who can reach it could call it. " +
        "To fix: give it a certificate: set QB_TLS_CA, QB_TLS_CERT and QB_TLS_KEY (`qb certs DIR --host NAME` makes them; docs/remote-workers.md), " +
        "or listen on a loopback address (127.0.0.1:PORT) or a unix: socket",
    );
  });

  it("does not count a token alone on the network: it would travel in clear text", () => {
    expect(() => checkTransport("the callback service", "10.0.0.5:7070", token, "listen")).toThrow(
      /refuses to listen on 10\.0\.0\.5:7070 without TLS: it is not a loopback address, and a token without TLS would cross the network in clear text/,
    );
  });

  it("refuses to dial a network address without TLS", () => {
    expect(() => checkTransport("worker `mc` replica 1", "workers:7000", undefined, "dial")).toThrow(
      "worker `mc` replica 1 refuses to connect to workers:7000 without TLS: it is not a loopback address, so the calls and their data would cross the network in clear text, to whoever answers",
    );
  });
});
