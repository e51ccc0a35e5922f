/**
 * The replicas of attached workers (`at "..."`): every address listed is one replica, and a
 * DNS name stands for every address it resolves to (a headless Kubernetes Service: one per
 * ready pod). Names are resolved once, when the pod starts; a replica whose address stops
 * answering is retried at that address, and an endpoint that appears later is not seen
 * (docs/remote-workers.md, "Attaching by DNS name").
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { FlowIR } from "../ir/types.js";
import type { TransportAuth } from "../proto/transport-auth.js";
import { checkTransport, hostOf } from "../proto/transport-policy.js";

/** One replica's address, and the name its TLS certificate must carry when that is not the address's host. */
export interface AttachTarget {
  address: string;
  serverName?: string;
}

/** Every address a host name resolves to. */
export type Lookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/** An `at` address that could not be resolved, or resolved to nothing. */
export class AttachResolveError extends Error {
  constructor(
    readonly worker: string,
    readonly address: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`worker \`${worker}\`: cannot attach to ${address}: ${message}`, options);
    this.name = "AttachResolveError";
  }
}

/** `host` and `port` of a TCP address, for re-forming it with another host. */
function portOf(address: string): string | undefined {
  return /:(\d+)$/.exec(address)?.[1];
}

/**
 * The attached replicas of every worker the flow declares with `at`, in the order listed
 * (a name's addresses in the resolver's order, the same address once). Each one is checked
 * against the refusal rule: a non-loopback address needs TLS (InsecureTransportError).
 */
export async function resolveAttached(ir: FlowIR, options: { auth?: TransportAuth | undefined; lookup?: Lookup } = {}): Promise<Map<string, AttachTarget[]>> {
  const lookup = options.lookup ?? systemLookup;
  const out = new Map<string, AttachTarget[]>();
  for (const w of ir.workers) {
    if (!w.at) continue;
    const targets: AttachTarget[] = [];
    const seen = new Set<string>();
    const add = (t: AttachTarget): void => {
      if (seen.has(t.address)) return;
      seen.add(t.address);
      targets.push(t);
    };
    for (const address of w.at) {
      const host = hostOf(address);
      // a unix socket or an IP literal is one replica as written; `localhost` too (its
      // certificate names it, and grpc-js tries both of its addresses)
      if (host === null || isIP(host) !== 0 || host.toLowerCase() === "localhost") {
        add({ address });
        continue;
      }
      const port = portOf(address);
      let found: Array<{ address: string; family: number }>;
      try {
        found = await lookup(host);
      } catch (err) {
        throw new AttachResolveError(w.name, address, `the name ${host} does not resolve (${err instanceof Error ? err.message : String(err)})`, {
          cause: err,
        });
      }
      if (found.length === 0) throw new AttachResolveError(w.name, address, `the name ${host} resolves to no address`);
      for (const a of found) add({ address: `${a.family === 6 ? `[${a.address}]` : a.address}:${port}`, serverName: host });
    }
    targets.forEach((t, i) => checkTransport(`worker \`${w.name}\` replica ${i}`, t.address, options.auth, "dial"));
    out.set(w.name, targets);
  }
  return out;
}
