/**
 * A worker marked `deploy service`: its replicas as a Deployment behind a headless Service,
 * in pods of their own. They listen on every address of their pod, so they take mutual TLS
 * material from a Secret (QB_TLS_CA, QB_TLS_CERT, QB_TLS_KEY); the quarterback attaches to
 * the Service's DNS name, whose every address is one replica.
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IService } from "kubernetes-models/v1/Service";
import type { WorkerIR } from "../ir/types.js";
import { sharedMount, tlsEnv, tlsMount, workerContainer } from "./containers.js";
import { IMAGE_USER, SERVICE_HEALTH_PORT, SERVICE_PORT, SHARED_VOLUME, TLS_VOLUME } from "./layout.js";

export interface ServiceWorkerObjects {
  worker: string;
  deployment: IDeployment;
  service: IService;
  /** Where the quarterback attaches: the Service's DNS name and port. */
  address: string;
}

export function serviceWorker(
  w: WorkerIR,
  o: { name: string; image: string; namespace: string | undefined; labels: (component: string) => Record<string, string>; tlsSecret: string },
): ServiceWorkerObjects {
  const labels = o.labels(`worker-${o.name}`.slice(0, 63).replace(/-+$/, ""));
  const selector = {
    "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"]!,
    "app.kubernetes.io/component": labels["app.kubernetes.io/component"]!,
  };
  const metadata = { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}), labels };
  const container = workerContainer(
    w,
    {
      name: "worker",
      image: o.image,
      listen: `0.0.0.0:${SERVICE_PORT}`,
      healthPort: SERVICE_HEALTH_PORT,
      // every pod of a Deployment has the same environment: replicas are told apart by their address
      replica: 0,
      // the pod's own scratch space: its land references are readable in its pod only (docs/kubernetes.md)
      land: "/qb/land",
      extraEnv: tlsEnv,
    },
    false,
  );
  container.ports = [
    { name: "grpc", containerPort: SERVICE_PORT },
    { name: "health", containerPort: SERVICE_HEALTH_PORT },
  ];
  container.volumeMounts = [sharedMount, tlsMount];
  const deployment: IDeployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas: w.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { fsGroup: IMAGE_USER },
          volumes: [
            { name: SHARED_VOLUME, emptyDir: {} },
            { name: TLS_VOLUME, secret: { secretName: o.tlsSecret, defaultMode: 0o440 } },
          ],
          containers: [container],
        },
      },
    },
  };
  const service: IService = {
    apiVersion: "v1",
    kind: "Service",
    metadata,
    spec: {
      // headless: the name resolves to every ready replica's address, not to one virtual IP
      clusterIP: "None",
      selector,
      ports: [{ name: "grpc", port: SERVICE_PORT, targetPort: SERVICE_PORT }],
    },
  };
  // without a namespace the short name resolves in the pod's own namespace
  const host = o.namespace ? `${o.name}.${o.namespace}.svc.cluster.local` : o.name;
  return { worker: w.name, deployment, service, address: `${host}:${SERVICE_PORT}` };
}
