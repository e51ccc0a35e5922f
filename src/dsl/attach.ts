/**
 * `qb run --attach w=ADDR,ADDR`: a worker the flow starts with `run` is attached to
 * replicas already running at those addresses instead (one replica per address), as if
 * the flow said `at`. This is how the quarterback of a Kubernetes pod (`qb k8s`) reaches
 * its workers, which Kubernetes started as containers beside it.
 */
import type { FlowIR } from "../ir/types.js";
import { ADDRESS } from "./workers.js";

/** An `--attach` that names no worker of the flow or gives a bad address. */
export class AttachError extends Error {
  constructor(
    readonly spec: string,
    readonly why: string,
  ) {
    super(`--attach ${spec}: ${why}`);
    this.name = "AttachError";
  }
}

export interface Attachment {
  worker: string;
  addresses: string[];
}

/** `mc=127.0.0.1:9001,127.0.0.1:9002` → { worker: "mc", addresses: [...] }. */
export function parseAttach(spec: string): Attachment {
  const eq = spec.indexOf("=");
  if (eq <= 0) throw new AttachError(spec, "expected worker=host:port[,host:port...], e.g. --attach mc=127.0.0.1:9001");
  const worker = spec.slice(0, eq).trim();
  const addresses = spec
    .slice(eq + 1)
    .split(",")
    .map((a) => a.trim());
  for (const a of addresses) {
    const m = ADDRESS.exec(a);
    const port = m?.[3] === undefined ? undefined : Number(m[3]);
    if (!m || (port !== undefined && !(port >= 1 && port <= 65535)))
      throw new AttachError(spec, `${JSON.stringify(a)} is not a worker address: write host:port (port 1 to 65535) or unix:/path/to.sock`);
  }
  return { worker, addresses };
}

/** The flow with each attached worker's `run` replaced by its addresses. */
export function attachWorkers(ir: FlowIR, attachments: readonly Attachment[]): FlowIR {
  const byName = new Map<string, Attachment>();
  for (const a of attachments) {
    const spec = `${a.worker}=${a.addresses.join(",")}`;
    if (byName.has(a.worker)) throw new AttachError(spec, `worker ${a.worker} is attached twice: give all its addresses in one --attach`);
    if (!ir.workers.some((w) => w.name === a.worker)) {
      const names = ir.workers.map((w) => w.name).join(", ") || "none";
      throw new AttachError(spec, `flow ${ir.flow} has no worker ${a.worker} (its workers: ${names})`);
    }
    byName.set(a.worker, a);
  }
  return {
    ...ir,
    workers: ir.workers.map((w) => {
      const a = byName.get(w.name);
      if (!a) return w;
      const { run: _run, ...rest } = w;
      return { ...rest, at: [...a.addresses], replicas: a.addresses.length };
    }),
  };
}
