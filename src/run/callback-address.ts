/**
 * Where the quarterback's callback service listens. By default a unix socket in the run's
 * socket folder; `qb run --callback` may name another, e.g. a socket on a volume shared
 * with worker containers (`qb k8s`). The callback service has no authentication of its
 * own here, so it may listen only where nobody but the pod reaches it: a unix socket or a
 * loopback address.
 */
import { isIP } from "node:net";

/** A callback address the quarterback may not listen on. */
export class CallbackAddressError extends Error {
  constructor(
    readonly address: string,
    readonly why: string,
  ) {
    super(`callback address ${address}: ${why}`);
    this.name = "CallbackAddressError";
  }
}

/** Throws CallbackAddressError unless `address` is `unix:/absolute/path` or a loopback `host:port`. */
export function checkCallbackAddress(address: string): void {
  if (address.startsWith("unix:")) {
    if (!address.startsWith("unix:/")) throw new CallbackAddressError(address, "a unix socket needs an absolute path, e.g. unix:/qb/quarterback.sock");
    return;
  }
  const m = /^(\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d+)$/.exec(address);
  if (!m) throw new CallbackAddressError(address, "expected unix:/path/to.sock or host:port");
  const port = Number(m[4]);
  if (!(port >= 0 && port <= 65535)) throw new CallbackAddressError(address, "the port must be 0 to 65535");
  const host = m[2] ?? m[3]!;
  const loopback = host === "localhost" || (isIP(host) === 4 && host.startsWith("127.")) || (isIP(host) === 6 && host === "::1");
  if (!loopback)
    throw new CallbackAddressError(
      address,
      "not a loopback address: the callback service would listen unauthenticated where other hosts reach it; use a unix socket or 127.0.0.1",
    );
}
