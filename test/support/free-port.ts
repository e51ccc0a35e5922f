import { createServer, type AddressInfo } from "node:net";

/** A TCP port free on `host` a moment ago (for a server whose address must be known before it starts). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
