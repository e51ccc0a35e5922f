/** The containers of a generated pod: the quarterback, its workers, the lake syncs and the pond. */
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { WorkerIR } from "../ir/types.js";
import { shellScript } from "../process/shell-script.js";
import {
  CALLBACK_ADDRESS,
  CALLBACK_SOCKET,
  FLOW_MOUNT,
  FLOW_VOLUME,
  IMAGE_USER,
  LAKE_MOUNT,
  LAKE_VOLUME,
  LAND_DIR,
  POND_DATA_VOLUME,
  POND_FILE,
  POND_PORT,
  RUN_DIR,
  SHARED_MOUNT,
  SHARED_VOLUME,
  TLS_FILES,
  TLS_MOUNT,
  TLS_VOLUME,
} from "./layout.js";
import { K8sOptionError, type LakeSync, type MysqlPond } from "./options.js";
import { cpuQuantity, memoryQuantity } from "./quantities.js";
import { withHugePages } from "../process/huge-pages.js";

/**
 * Kubernetes expands `$(NAME)` in a container's command and args; a flow's text is passed
 * as it is written (`$$(` is Kubernetes' escape), so a shell's `$(date)` stays the shell's.
 */
export function literalArg(s: string): string {
  return s.split("$(").join("$$(");
}

export const sharedMount: IVolumeMount = { name: SHARED_VOLUME, mountPath: SHARED_MOUNT };
const flowMount: IVolumeMount = { name: FLOW_VOLUME, mountPath: FLOW_MOUNT, readOnly: true };
export const tlsMount: IVolumeMount = { name: TLS_VOLUME, mountPath: TLS_MOUNT, readOnly: true };

/** Our image runs as an unprivileged user; containers of other images keep their own user. */
function securityContext(ourImage: boolean): ISecurityContext {
  return ourImage
    ? { runAsNonRoot: true, runAsUser: IMAGE_USER, runAsGroup: IMAGE_USER, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }
    : { allowPrivilegeEscalation: false };
}

/** The TLS material of workers deployed as a service, as the env variables the SDK and `qb run` read. */
export const tlsEnv: IEnvVar[] = [
  { name: "QB_TLS_CA", value: `${TLS_MOUNT}/${TLS_FILES.ca}` },
  { name: "QB_TLS_CERT", value: `${TLS_MOUNT}/${TLS_FILES.cert}` },
  { name: "QB_TLS_KEY", value: `${TLS_MOUNT}/${TLS_FILES.key}` },
];

/** `cpu` and `memory` as requests; memory also as the limit (a worker past it is stopped, not the node). */
function resources(w: WorkerIR): IResourceRequirements | undefined {
  const requests: Record<string, string> = {};
  if (w.cpu !== undefined) requests.cpu = cpuQuantity(w.cpu);
  if (w.memoryBytes !== undefined) requests.memory = memoryQuantity(w.memoryBytes);
  if (Object.keys(requests).length === 0) return undefined;
  return w.memoryBytes === undefined ? { requests } : { requests, limits: { memory: requests.memory! } };
}

/** Kubernetes' rule for env names. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The flow's `env` of a worker, then ours (which win: a worker must listen where it is told). */
function workerEnv(w: WorkerIR, ours: IEnvVar[]): IEnvVar[] {
  const taken = new Set(ours.map((e) => e.name));
  const env: IEnvVar[] = [];
  for (const [name, value] of Object.entries(w.env)) {
    if (!ENV_NAME.test(name))
      throw new K8sOptionError(
        `worker ${w.name}: env ${JSON.stringify(name)} is not a valid environment variable name on Kubernetes (letters, digits, -, . and _)`,
      );
    if (!taken.has(name)) env.push({ name, value });
  }
  return [...env, ...ours];
}

/** Kubernetes' own gRPC probes against grpc.health.v1, on the worker's health-only port. */
function grpcProbes(port: number): Pick<IContainer, "startupProbe" | "readinessProbe" | "livenessProbe"> {
  const grpc = { port };
  const startup: IProbe = { grpc, periodSeconds: 1, failureThreshold: 120, timeoutSeconds: 2 };
  return {
    // the next container starts once this one answers SERVING (native sidecars start in order)
    startupProbe: startup,
    readinessProbe: { grpc, periodSeconds: 5, timeoutSeconds: 2 },
    livenessProbe: { grpc, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
  };
}

/** The container of one replica of a worker; `where` says its addresses and its environment. */
export function workerContainer(
  w: WorkerIR,
  where: { name: string; image: string; listen: string; healthPort: number; replica: number; land: string; callback?: string; extraEnv?: IEnvVar[] },
  ourImage: boolean,
): IContainer {
  const ours: IEnvVar[] = [
    { name: "QB_LISTEN", value: where.listen },
    { name: "QB_HEALTH_LISTEN", value: `0.0.0.0:${where.healthPort}` },
    { name: "QB_LAND", value: where.land },
    { name: "QB_WORKER_NAME", value: w.name },
    { name: "QB_REPLICA", value: String(where.replica) },
    // bulk data at memory speed: huge pages for what malloc maps (process/huge-pages.ts)
    { name: "GLIBC_TUNABLES", value: withHugePages(w.env.GLIBC_TUNABLES) },
    ...(where.callback ? [{ name: "QB_CALLBACK", value: where.callback }] : []),
    ...(where.extraEnv ?? []),
  ];
  const res = resources(w);
  return {
    name: where.name,
    image: where.image,
    imagePullPolicy: "IfNotPresent",
    // the worker's `run`, in the image's working directory, exec'd by the shell as in a local run
    command: ["/bin/sh", "-c", literalArg(shellScript(w.run!).script)],
    env: workerEnv(w, ours),
    ...(res ? { resources: res } : {}),
    volumeMounts: [sharedMount],
    ...grpcProbes(where.healthPort),
    securityContext: securityContext(ourImage),
  };
}

/** A worker replica as a native sidecar of the quarterback's pod. */
export function podWorker(w: WorkerIR, name: string, image: string, replica: number, port: number, healthPort: number): IContainer {
  const c = workerContainer(
    w,
    { name, image, listen: `127.0.0.1:${port}`, healthPort, replica, land: LAND_DIR, callback: CALLBACK_ADDRESS },
    w.image === undefined,
  );
  // native sidecar (Kubernetes 1.29+): started before the quarterback, stopped after it
  const { name: _n, image: _i, imagePullPolicy: _p, ...rest } = c;
  return { name: c.name, image: c.image, imagePullPolicy: c.imagePullPolicy, restartPolicy: "Always", ...rest };
}

export interface QuarterbackSpec {
  image: string;
  flowPath: string;
  params: Record<string, string>;
  attach: Array<{ worker: string; addresses: string[] }>;
  /** The embedded pond's file, when the quarterback opens the pond by file. */
  pondFile: boolean;
  pond?: MysqlPond;
  /** Workers deployed as a service: dialled with TLS. */
  tls: boolean;
}

/** The main container: `qb run` of the flow from the ConfigMap, attached to the workers beside it. */
export function quarterbackContainer(q: QuarterbackSpec): IContainer {
  const args = ["run", q.flowPath];
  for (const [k, v] of Object.entries(q.params)) args.push("--param", `${k}=${v}`);
  // the flow's relative paths (a glob root) mean the image's working folder, not the
  // read-only folder the flow is mounted in
  // `--land disk`: the land is the run directory's, the path the sidecars are given; the
  // quarterback's own /dev/shm is not theirs (the pod's land has its own rule: `--land` of qb k8s)
  args.push("--project", ".", "--run-dir", RUN_DIR, "--land", "disk", "--callback-socket", CALLBACK_SOCKET);
  for (const a of q.attach) args.push("--attach", `${a.worker}=${a.addresses.join(",")}`);
  if (q.pondFile) args.push("--pond", POND_FILE);
  const env: IEnvVar[] = [...(q.pond ? [pondUrlEnv(q.pond)] : []), ...(q.tls ? tlsEnv : [])];
  return {
    name: "quarterback",
    image: q.image,
    imagePullPolicy: "IfNotPresent",
    command: ["qb"],
    args: args.map(literalArg),
    ...(env.length ? { env } : {}),
    volumeMounts: [sharedMount, flowMount, ...(q.tls ? [tlsMount] : [])],
    securityContext: securityContext(true),
  };
}

/** QB_POND, the MySQL-wire pond's URL with its credentials, from the Secret. */
function pondUrlEnv(pond: MysqlPond): IEnvVar {
  return { name: "QB_POND", valueFrom: { secretKeyRef: { name: pond.secret, key: "QB_POND" } } };
}

/**
 * The first init container: makes the land, as a local run does before its workers start
 * (a worker may open files in it at start), owned by the user the quarterback runs as.
 */
export function landContainer(image: string): IContainer {
  return {
    name: "land",
    image,
    imagePullPolicy: "IfNotPresent",
    command: ["/bin/sh", "-c", `mkdir -p ${LAND_DIR}`],
    volumeMounts: [sharedMount],
    securityContext: securityContext(true),
  };
}

/** An init container that fills one pond table from the lake before the run. */
export function lakeSyncContainer(sync: LakeSync, name: string, image: string, pond: MysqlPond | undefined, lakeClaim: boolean): IContainer {
  const env: IEnvVar[] = [];
  let from: string;
  if (sync.from.kind === "secret") {
    env.push({ name: "QB_LAKE", valueFrom: { secretKeyRef: { name: sync.from.secret, key: sync.from.key } } });
    // expanded by Kubernetes from the env above: the URL never appears in the manifest
    from = "$(QB_LAKE)";
  } else from = literalArg(sync.from.path);
  if (pond) env.push(pondUrlEnv(pond));
  const args = ["pond", "sync", "--from", from, "--table", sync.table];
  if (sync.key) args.push("--key", sync.key.join(","));
  if (sync.incrementalBy) args.push("--incremental-by", sync.incrementalBy);
  if (sync.schema) args.push("--schema", sync.schema);
  if (sync.sourceTable) args.push("--source-table", sync.sourceTable);
  if (!pond) args.push("--pond", POND_FILE);
  return {
    name,
    image,
    imagePullPolicy: "IfNotPresent",
    command: ["qb"],
    args,
    ...(env.length ? { env } : {}),
    ...(lakeClaim ? { workingDir: LAKE_MOUNT } : {}),
    volumeMounts: [sharedMount, ...(lakeClaim ? [{ name: LAKE_VOLUME, mountPath: LAKE_MOUNT, readOnly: true }] : [])],
    securityContext: securityContext(true),
  };
}

/** The MySQL-wire pond as a native sidecar: its image's own settings (and QB_POND) come from the Secret. */
export function pondContainer(pond: MysqlPond): IContainer {
  const tcp = { port: POND_PORT };
  return {
    name: "pond",
    image: pond.image,
    imagePullPolicy: "IfNotPresent",
    restartPolicy: "Always",
    envFrom: [{ secretRef: { name: pond.secret } }],
    ports: [{ name: "mysql", containerPort: POND_PORT }],
    volumeMounts: [{ name: POND_DATA_VOLUME, mountPath: pond.dataPath }],
    // the lake syncs start once it accepts connections
    startupProbe: { tcpSocket: tcp, periodSeconds: 2, failureThreshold: 150 },
    readinessProbe: { tcpSocket: tcp, periodSeconds: 5 },
    livenessProbe: { tcpSocket: tcp, periodSeconds: 10, failureThreshold: 6 },
  };
}
