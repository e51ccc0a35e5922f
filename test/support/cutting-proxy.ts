/** A unix-socket proxy to a worker whose connections can all be cut at once: a Session stream that breaks while the worker serves. */
import { createConnection, createServer, type Socket } from "node:net";

export interface CuttingProxy {
  /** Cuts every open connection; says how many sockets it cut. */
  cut(): number;
  close(): Promise<void>;
}

export async function cuttingProxy(path: string, target: string): Promise<CuttingProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    cut() {
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      return n;
    },
    // what is still open goes first: server.close() waits for every connection to end, and
    // one half-closed by a peer that has gone (a health check's connection, say) may never do so
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
