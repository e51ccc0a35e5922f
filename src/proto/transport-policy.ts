/**
 * The rule (docs/remote-workers.md, "The refusal rule"): nothing listens on, or dials, an
 * address other hosts can reach without TLS. Loopback addresses (127.0.0.0/8, ::1,
 * localhost) and unix sockets are reached from this host only, where a token is enough and
 * plain connections are allowed. A token alone over the network would travel in clear text
 * for anyone on the path to read and replay, so it does not count there.
 */
import { BlockList, isIP } from "node:net";
import type { TransportAuth } from "./transport-auth.js";

/** The host part of a gRPC address (`host:port`, `[v6]:port`, `dns:host:port`), or null for a unix socket. */
export function hostOf(address: string): string | null {
  if (address.startsWith("unix:") || address.startsWith("unix-abstract:")) return null;
  let rest = address.replace(/^dns:(\/\/[^/]*\/)?/, "").replace(/^ipv[46]:/, "");
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(rest);
  if (bracketed) return bracketed[1]!;
  // a bare IPv6 address has more than one colon and no port; isIP only for those, since
  // node's IPv6 pattern takes ~10 ms to compile on first use, at every worker's start
  if (rest.indexOf(":") !== rest.lastIndexOf(":") && isIP(rest) === 6) return rest;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) rest = rest.slice(0, colon);
  return rest;
}

/** Whether only this host can reach `address`: a unix socket, 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackAddress(address: string): boolean {
  const host = hostOf(address);
  if (host === null) return true;
  return isLoopbackHost(host);
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");
LOOPBACK.addSubnet("::ffff:127.0.0.0", 104, "ipv6");

/** A host name other than `localhost` counts as reachable from elsewhere: it is not resolved here. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? "ipv4" : "ipv6");
}

/**
 * A server would listen on, or a client would dial, a network address without TLS.
 * `what` says who ("worker `mc`", "the callback service", "worker `mc` replica 1").
 */
export class InsecureTransportError extends Error {
  constructor(
    readonly what: string,
    readonly address: string,
    readonly side: "listen" | "dial",
    /** A token was given, but no TLS. */
    readonly tokenOnly: boolean,
  ) {
    const why = tokenOnly
      ? "it is not a loopback address, and a token without TLS would cross the network in clear text for anyone on the way to read and reuse"
      : side === "listen"
        ? "it is not a loopback address, so anyone who can reach it could call it"
        : "it is not a loopback address, so the calls and their data would cross the network in clear text, to whoever answers";
    const fix =
      side === "listen"
        ? "give it a certificate: set QB_TLS_CA, QB_TLS_CERT and QB_TLS_KEY (`qb certs DIR --host NAME` makes them; docs/remote-workers.md), or listen on a loopback address (127.0.0.1:PORT) or a unix: socket"
        : "set QB_TLS_CA, QB_TLS_CERT and QB_TLS_KEY (for qb run also --tls-ca, --tls-cert, --tls-key; `qb certs DIR --host NAME` makes them; docs/remote-workers.md)";
    super(`${what} refuses to ${side === "listen" ? "listen on" : "connect to"} ${address} without TLS: ${why}. To fix: ${fix}`);
    this.name = "InsecureTransportError";
  }
}

/** Throws InsecureTransportError unless `address` is loopback or `auth` has TLS. */
export function checkTransport(what: string, address: string, auth: TransportAuth | undefined, side: "listen" | "dial"): void {
  if (auth?.tls || isLoopbackAddress(address)) return;
  throw new InsecureTransportError(what, address, side, auth?.token !== undefined);
}
