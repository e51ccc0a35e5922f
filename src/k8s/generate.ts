/**
 * `qb k8s`: a compiled flow as Kubernetes manifests (docs/kubernetes.md). Pure: the IR and
 * the options in, manifest objects out; the command writes them as YAML.
 *
 * - a ConfigMap with the flow and its IR;
 * - a Job whose pod runs the quarterback (`qb run`, the main container) with one native
 *   sidecar per worker replica, all sharing an emptyDir (the land, the embedded pond, the
 *   callback socket); workers on 127.0.0.1 ports, probed by gRPC on health-only ports;
 * - per worker marked `deploy service`: a Deployment and a headless Service, reached over
 *   mutual TLS at the Service's DNS name.
 */
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import type { FlowIR, WorkerIR } from "../ir/types.js";
import { lakeSyncContainer, landContainer, podWorker, pondContainer, quarterbackContainer } from "./containers.js";
import {
  FIRST_HEALTH_PORT,
  FIRST_WORKER_PORT,
  FLOW_MOUNT,
  FLOW_VOLUME,
  IMAGE_USER,
  LAKE_VOLUME,
  MAX_POD_REPLICAS,
  POND_DATA_VOLUME,
  SHARED_VOLUME,
  RUN_DIR,
  RUN_VOLUME,
  TLS_VOLUME,
} from "./layout.js";
import { dnsLabel } from "./names.js";
import { K8sOptionError, landPlacement, type K8sOptions } from "./options.js";
import { serviceWorker, type ServiceWorkerObjects } from "./service-worker.js";

/** One object and the file it goes to. */
export interface Manifest {
  file: string;
  kind: string;
  name: string;
  object: { apiVersion: string; kind: string; metadata?: IObjectMeta } & Record<string, unknown>;
}

/** A ConfigMap holds at most 1 MiB. */
const CONFIGMAP_LIMIT = 1024 * 1024;

/** The workers the flow calls (the others are never started, as in a local run). */
function calledWorkers(ir: FlowIR): WorkerIR[] {
  const used = new Set(ir.steps.flatMap((s) => s.stages.flatMap((st) => (st.kind === "call" || st.kind === "reduce" ? [st.worker] : []))));
  return ir.workers.filter((w) => used.has(w.name));
}

function usesPond(ir: FlowIR): boolean {
  return ir.steps.some((s) => s.source.kind === "pond") || ir.sinks.some((s) => s.kind === "pond");
}

/** A ConfigMap key for the flow file: its base name, with characters keys may not hold as `_`. */
function flowKey(file: string): string {
  const base = file.split(/[\\/]/).pop() || "flow.flow";
  const key = base.replace(/[^-._a-zA-Z0-9]/g, "_");
  return key.endsWith(".flow") ? key : `${key}.flow`;
}

export function generateManifests(ir: FlowIR, o: K8sOptions): Manifest[] {
  const base = dnsLabel(ir.flow, 40);
  const labels = (component: string): Record<string, string> => ({
    "app.kubernetes.io/name": "quarterback",
    "app.kubernetes.io/instance": base,
    "app.kubernetes.io/component": component,
  });
  const meta = (name: string, component: string): IObjectMeta => ({ name, ...(o.namespace ? { namespace: o.namespace } : {}), labels: labels(component) });

  // the ConfigMap: the flow as written and as compiled
  const key = flowKey(o.flowFile);
  const irKey = key.replace(/\.flow$/, ".ir.json");
  const configMap: IConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(`${base}-flow`, "flow"),
    data: { [key]: o.source, [irKey]: JSON.stringify(ir, null, 2) + "\n" },
  };
  const size = Object.values(configMap.data!).reduce((n, v) => n + new TextEncoder().encode(v).length, 0);
  if (size > CONFIGMAP_LIMIT) throw new K8sOptionError(`the flow and its IR take ${size} bytes: more than a ConfigMap holds (1 MiB)`);

  const workers = calledWorkers(ir);
  const local = workers.filter((w) => w.run !== undefined && w.deploy !== "service");
  const services = workers.filter((w) => w.run !== undefined && w.deploy === "service");
  const replicas = local.reduce((n, w) => n + w.replicas, 0);
  if (replicas > MAX_POD_REPLICAS)
    throw new K8sOptionError(
      `the flow's workers have ${replicas} replicas in the pod, more than the ${MAX_POD_REPLICAS} one pod takes: mark the big ones \`deploy service\``,
    );

  // every replica of the pod's workers: a sidecar on its own loopback port
  const sidecars: IContainer[] = [];
  const attach: Array<{ worker: string; addresses: string[] }> = [];
  const names = new Set(["quarterback", "pond", "land"]);
  let index = 0;
  for (const w of local) {
    const addresses: string[] = [];
    for (let r = 0; r < w.replicas; r++, index++) {
      const name = `${dnsLabel(w.name, 56)}-${r}`;
      if (names.has(name)) throw new K8sOptionError(`two containers would be named ${name}: rename worker ${w.name}`);
      names.add(name);
      sidecars.push(podWorker(w, name, w.image ?? o.image, r, FIRST_WORKER_PORT + index, FIRST_HEALTH_PORT + index));
      addresses.push(`127.0.0.1:${FIRST_WORKER_PORT + index}`);
    }
    attach.push({ worker: w.name, addresses });
  }

  // workers deployed as a service: a Deployment and a headless Service each
  const serviceObjects: ServiceWorkerObjects[] = services.map((w) =>
    serviceWorker(w, { name: dnsLabel(`${base}-${w.name}`, 63), image: w.image!, namespace: o.namespace, labels, tlsSecret: o.tlsSecret ?? `${base}-tls` }),
  );
  for (const s of serviceObjects) attach.push({ worker: s.worker, addresses: [s.address] });

  const syncs = o.lakeSyncs.map((sync) => {
    const name = dnsLabel(`lake-sync-${sync.table}`);
    if (names.has(name)) throw new K8sOptionError(`--lake-sync: table ${sync.table} is synced twice`);
    names.add(name);
    return lakeSyncContainer(sync, name, o.image, o.pond, o.lakeClaim !== undefined);
  });

  const quarterback = quarterbackContainer({
    image: o.image,
    flowPath: `${FLOW_MOUNT}/${key}`,
    params: o.params,
    attach,
    pondFile: !o.pond && (usesPond(ir) || syncs.length > 0),
    ...(o.pond ? { pond: o.pond } : {}),
    tls: serviceObjects.length > 0,
  });

  const volumes: IVolume[] = [
    { name: SHARED_VOLUME, emptyDir: {} },
    {
      name: FLOW_VOLUME,
      configMap: {
        name: configMap.metadata!.name!,
        items: [
          { key, path: key },
          { key: irKey, path: irKey },
        ],
      },
    },
  ];
  if (o.pond) volumes.push({ name: POND_DATA_VOLUME, emptyDir: {} });
  // the land in memory: the run directory (the land, and the run's logs and events) on a tmpfs of
  // its own, over the shared volume's run folder, in the containers that use it
  const land = o.land ?? landPlacement("auto", undefined);
  const makesLand = landContainer(o.image);
  if (land.medium === "memory") {
    volumes.push({ name: RUN_VOLUME, emptyDir: { medium: "Memory", sizeLimit: land.sizeLimit } });
    for (const c of [quarterback, makesLand, ...sidecars]) c.volumeMounts = [...(c.volumeMounts ?? []), { name: RUN_VOLUME, mountPath: RUN_DIR }];
  }
  if (o.lakeClaim !== undefined && syncs.length > 0) volumes.push({ name: LAKE_VOLUME, persistentVolumeClaim: { claimName: o.lakeClaim, readOnly: true } });
  if (serviceObjects.length > 0) volumes.push({ name: TLS_VOLUME, secret: { secretName: o.tlsSecret ?? `${base}-tls`, defaultMode: 0o440 } });

  const job: IJob = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: meta(base, "quarterback"),
    spec: {
      // a failed run is not started again: it would make every call again (docs/kubernetes.md)
      backoffLimit: 0,
      template: {
        metadata: { labels: labels("quarterback") },
        spec: {
          restartPolicy: "Never",
          // the pod talks to no Kubernetes API
          automountServiceAccountToken: false,
          // the TLS key is readable by the pod's group only
          securityContext: { fsGroup: IMAGE_USER },
          volumes,
          // in order: the land, the pond, the lake syncs (each to completion), then the workers
          initContainers: [makesLand, ...(o.pond ? [pondContainer(o.pond)] : []), ...syncs, ...sidecars],
          containers: [quarterback],
        },
      },
    },
  };

  const manifests: Manifest[] = [{ file: `00-${base}-flow.configmap.yaml`, kind: "ConfigMap", name: `${base}-flow`, object: configMap as Manifest["object"] }];
  for (const s of serviceObjects) {
    manifests.push({
      file: `10-${s.service.metadata!.name}.service.yaml`,
      kind: "Service",
      name: s.service.metadata!.name!,
      object: s.service as Manifest["object"],
    });
    manifests.push({
      file: `10-${s.deployment.metadata!.name}.deployment.yaml`,
      kind: "Deployment",
      name: s.deployment.metadata!.name!,
      object: s.deployment as Manifest["object"],
    });
  }
  manifests.push({ file: `20-${base}.job.yaml`, kind: "Job", name: base, object: job as Manifest["object"] });
  return manifests;
}
