/**
 * Plays a `qb k8s` Job with podman, which has no Job controller (../shared/containers.md):
 * the Job's pod template becomes a Pod manifest for `podman kube play --network none`.
 * Where podman 4.3 (Debian 12) differs from Kubernetes, the translation says so:
 *
 * - native sidecars (init containers with `restartPolicy: Always`): podman refuses probes
 *   on init containers and would wait for them to end, so they become regular containers
 *   of the pod, started with the quarterback instead of before it (the quarterback waits
 *   for attached workers to answer health checks, up to 15 s);
 * - gRPC probes: podman has none, and turns only a liveness probe into a health check it
 *   runs on demand (`podman healthcheck run`; no systemd here to run it periodically). The
 *   gRPC probe becomes an exec probe running `qb worker health` in the container, against
 *   the worker's QB_LISTEN address: the same grpc.health.v1 question, asked from inside;
 * - `$$(` in commands is Kubernetes' escape for `$(`, which podman does not undo;
 * - the Job's pod ends when the quarterback ends; a played pod's sidecars keep running, so
 *   the test waits for the quarterback container and reads its exit code;
 * - podman 4.3 plays an emptyDir as a named volume called by the volume's name, which two
 *   pods played at once would share: each is renamed `<pod>-<name>`;
 * - an image a flow names (`image "quarterback/examples:0.1"`) is mapped to the image the
 *   test built, as a registry would serve it.
 */
import { parseAllDocuments, stringify } from "yaml";

type Obj = Record<string, unknown>;
type Container = Obj & { name: string; env?: Array<{ name: string; value?: string }> };

function unescape(args: unknown): unknown {
  return Array.isArray(args) ? args.map((a) => (typeof a === "string" ? a.split("$$(").join("$(") : a)) : args;
}

function asPodmanContainer(c: Container, images: Record<string, string>, rename: (volume: string) => string): Container {
  const { restartPolicy: _r, startupProbe: _s, readinessProbe: _rp, livenessProbe, ...rest } = c;
  const out: Container = { ...rest };
  if (Array.isArray(out.volumeMounts)) out.volumeMounts = (out.volumeMounts as Array<{ name: string }>).map((m) => ({ ...m, name: rename(m.name) }));
  if (typeof out.image === "string" && Object.hasOwn(images, out.image)) out.image = images[out.image];
  if (out.command) out.command = unescape(out.command);
  if (out.args) out.args = unescape(out.args);
  const listen = c.env?.find((e) => e.name === "QB_LISTEN")?.value;
  const grpc = (livenessProbe as { grpc?: unknown } | undefined)?.grpc;
  // node starts in ~0.3 s, several seconds on a loaded machine
  if (grpc && listen) out.livenessProbe = { exec: { command: ["qb", "worker", "health", listen] }, periodSeconds: 1, failureThreshold: 3, timeoutSeconds: 30 };
  else if (livenessProbe) out.livenessProbe = livenessProbe;
  return out;
}

/** The Pod (with the ConfigMaps beside it) that podman plays for the Job in `texts`. */
export function podFromJob(
  texts: string[],
  images: Record<string, string> = {},
): { yaml: string; pod: string; containers: string[]; sidecars: string[]; volumes: string[]; claims: string[] } {
  const docs = texts.flatMap((t) => parseAllDocuments(t).map((d) => d.toJS() as Obj));
  const job = docs.find((d) => d.kind === "Job") as { metadata: { name: string; labels?: Obj }; spec: { template: { metadata?: Obj; spec: Obj } } } | undefined;
  if (!job) throw new Error("no Job among the manifests");
  const spec = job.spec.template.spec as Obj & { initContainers?: Container[]; containers: Container[] };
  const empty = new Set(((spec.volumes ?? []) as Array<{ name: string; emptyDir?: unknown }>).filter((v) => v.emptyDir).map((v) => v.name));
  const rename = (v: string): string => (empty.has(v) ? `${job.metadata.name}-${v}` : v);
  const sidecars = (spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  const inits = (spec.initContainers ?? []).filter((c) => c.restartPolicy !== "Always");
  const podSpec: Obj = {
    ...spec,
    volumes: ((spec.volumes ?? []) as Array<{ name: string }>).map((v) => ({ ...v, name: rename(v.name) })),
    ...(inits.length ? { initContainers: inits.map((c) => asPodmanContainer(c, images, rename)) } : {}),
    containers: [...sidecars, ...spec.containers].map((c) => asPodmanContainer(c, images, rename)),
  };
  if (!inits.length) delete podSpec.initContainers;
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: job.metadata.name, labels: job.metadata.labels ?? {} }, spec: podSpec };
  const configMaps = docs.filter((d) => d.kind === "ConfigMap");
  const yaml = [...configMaps, pod].map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
  const volumes = (spec.volumes ?? []) as Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
  return {
    yaml,
    pod: job.metadata.name,
    containers: (podSpec.containers as Container[]).map((c) => c.name),
    sidecars: sidecars.map((c) => c.name),
    // kube play keeps these volumes after `kube down`
    volumes: [...configMaps.map((d) => (d.metadata as { name: string }).name), ...[...empty].map(rename)],
    claims: volumes.flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [])),
  };
}
