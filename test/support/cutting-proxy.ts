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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
