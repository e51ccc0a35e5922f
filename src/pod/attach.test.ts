import { describe, expect, it } from "vitest";
import type { FlowIR } from "../ir/types.js";
import { InsecureTransportError } from "../proto/transport-policy.js";
import { AttachResolveError, resolveAttached, type Lookup } from "./attach.js";

const loc = { line: 1, col: 1, endLine: 1, endCol: 1 };
const flow = (workers: Array<{ name: string; at?: string[] }>): FlowIR =>
  ({
    flow: "f",
    workers: workers.map((w) => ({ replicas: w.at?.length ?? 1, env: {}, loc, ...(w.at ? {} : { run: "x" }), ...w })),
    steps: [],
  }) as unknown as FlowIR;
const tls = { tls: { ca: Buffer.from(""), cert: Buffer.from(""), key: Buffer.from("") } };

/** A resolver from a table; it records the names asked. */
function table(entries: Record<string, string[]>): Lookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (host: string) => {
    asked.push(host);
    const list = entries[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(lookup, { asked });
}

describe("resolveAttached", () => {
  it("makes each address a DNS name resolves to one replica, checked against that name", async () => {
    const lookup = table({ workers: ["198.18.1.2", "198.18.2.2", "fd00::3"] });
    const got = await resolveAttached(flow([{ name: "mc", at: ["workers:7001"] }]), { auth: tls, lookup });
    expect(got.get("mc")).toEqual([
      { address: "198.18.1.2:7001", serverName: "workers" },
      { address: "198.18.2.2:7001", serverName: "workers" },
      { address: "[fd00::3]:7001", serverName: "workers" },
    ]);
    expect(lookup.asked).toEqual(["workers"]);
  });

  it("keeps IP literals, unix sockets and localhost as written, without asking the resolver, and lists each address once", async () => {
    const lookup = table({ b: ["127.0.0.5", "127.0.0.1"] });
    const got = await resolveAttached(
      flow([{ name: "w", at: ["127.0.0.1:7000", "[::1]:7000", "unix:/tmp/w.sock", "localhost:7001", "b:7000", "127.0.0.1:7000"] }, { name: "spawned" }]),
      { lookup },
    );
    // b's second address and the last one are 127.0.0.1:7000 again: one replica
    expect(got.get("w")).toEqual([
      { address: "127.0.0.1:7000" },
      { address: "[::1]:7000" },
      { address: "unix:/tmp/w.sock" },
      { address: "localhost:7001" },
      { address: "127.0.0.5:7000", serverName: "b" },
    ]);
    expect(lookup.asked).toEqual(["b"]);
    expect(got.has("spawned")).toBe(false);
  });

  it("fails on a name that does not resolve, naming the worker and the address", async () => {
    const err = await resolveAttached(flow([{ name: "mc", at: ["127.0.0.1:1", "nowhere.invalid:7000"] }]), { lookup: table({}) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AttachResolveError);
    expect((err as Error).message).toBe(
      "worker `mc`: cannot attach to nowhere.invalid:7000: the name nowhere.invalid does not resolve (getaddrinfo ENOTFOUND nowhere.invalid)",
    );
    await expect(resolveAttached(flow([{ name: "mc", at: ["empty:1"] }]), { lookup: table({ empty: [] }) })).rejects.toThrow(
      "the name empty resolves to no address",
    );
  });

  it("refuses to dial an address other hosts can reach without TLS, the replica named", async () => {
    const lookup = table({ workers: ["127.0.0.1", "198.18.2.2"] });
    const err = await resolveAttached(flow([{ name: "mc", at: ["workers:7001"] }]), { lookup }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsecureTransportError);
    expect((err as Error).message).toMatch(/^worker `mc` replica 1 refuses to connect to 198\.18\.2\.2:7001 without TLS/);
    await expect(resolveAttached(flow([{ name: "mc", at: ["198.18.2.2:1"] }]), { auth: { token: "0123456789abcdef0123" } })).rejects.toThrow(
      /a token without TLS would cross the network in clear text/,
    );
    // a name that resolves to loopback only is this host's
    expect((await resolveAttached(flow([{ name: "mc", at: ["me:1"] }]), { lookup: table({ me: ["127.0.0.2"] }) })).get("mc")).toEqual([
      { address: "127.0.0.2:1", serverName: "me" },
    ]);
  });
});
