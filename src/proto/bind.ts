/**
 * Binding a gRPC server to an address in the forms a worker's QB_LISTEN may take:
 * `unix:/abs/path.sock`, `host:port`, `[v6]:port`; port 0 picks a free port, and the
 * returned address says which.
 */
import * as grpc from "@grpc/grpc-js";

export class BindError extends Error {
  constructor(
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot listen on ${address}: ${options?.cause instanceof Error ? options.cause.message : String(options?.cause)}`, options);
    this.name = "BindError";
  }
}

/** Binds and resolves to the address clients should dial (port 0 replaced by the real port). */
export function bindServer(server: grpc.Server, address: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => {
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
