/**
 * Binding a gRPC server to an address in the forms a worker's QB_LISTEN may take:
 * `unix:/abs/path.sock`, `host:port`, `[v6]:port`; port 0 picks a free port, and the
 * returned address says which.
 */
import type * as grpc from "@grpc/grpc-js";
import { serverCredentials } from "./credentials.js";
import type { TransportAuth } from "./transport-auth.js";
import { checkTransport } from "./transport-policy.js";

export class BindError extends Error {
  constructor(
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot listen on ${address}: ${options?.cause instanceof Error ? options.cause.message : String(options?.cause)}`, options);
    this.name = "BindError";
  }
}

/**
 * Binds and resolves to the address clients should dial (port 0 replaced by the real port).
 * With `auth`, a TCP address is served over mutual TLS when it has TLS (the token is
 * checked by the server's interceptor, see serverAuthOptions). A non-loopback address
 * without TLS is refused (InsecureTransportError, thrown before anything listens): `what`
 * names the server in that message.
 */
export async function bindServer(server: grpc.Server, address: string, auth?: TransportAuth, what = "this server"): Promise<string> {
  checkTransport(what, address, auth, "listen");
  return new Promise((resolve, reject) => {
    server.bindAsync(address, serverCredentials(auth, address), (err, port) => {
      if (err) return reject(new BindError(address, { cause: err }));
      resolve(resolvedAddress(address, port));
    });
  });
}

export function resolvedAddress(address: string, port: number): string {
  if (address.startsWith("unix:") || address.startsWith("unix-abstract:")) return address;
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) return address;
  return `${m[1]}:${port}`;
}
