import { describe, expect, it } from "vitest";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { compile } from "../dsl/compile.js";
import type { FlowIR } from "../ir/types.js";
import { checkManifest } from "./check.js";
import { generateManifests, type Manifest } from "./generate.js";
import { K8sOptionError, parseLakeSync, type K8sOptions } from "./options.js";

const PI = `flow estimate_pi(samples: int = 1000, shards: int = 4) {
  worker mc { run "node examples/workers/montecarlo.js" replicas 2 cpu 500m memory 512Mi env {LEVEL: "debug", QB_LISTEN: "0.0.0.0:1"} }
  worker unused { run "node nothing.js" }
  hits  = range(shards) | mc.sample(n: samples / shards, seed: item)
  total = hits | reduce mc.add
  emit total
}`;

const SALES = `flow sales(table: string = "by_region") {
  worker stats { run "node examples/workers/stats.js" image "registry.example.com/stats:1" }
  regions = pond("SELECT DISTINCT region FROM sales")
  by = regions | stats.region(region: item.region)
  into pond.table(table) by
  emit by
}`;

const SCALED = `flow scaled() {
  worker big { run "python3 w.py --threads $(nproc)" image "registry.example.com/big:2" replicas 8 deploy service }
  worker small { run "node s.js" }
  xs = range(4) | big.work | small.m
  emit xs
}`;

function ir(text: string, params: Record<string, string> = {}): FlowIR {
  const r = compile(text, { file: "flows/f.flow", params });
  if (!r.ir) throw new Error(JSON.stringify(r.diagnostics));
  return r.ir;
}

const base = (o: Partial<K8sOptions> = {}): K8sOptions => ({ flowFile: "f.flow", source: "text", params: {}, image: "qb:1", lakeSyncs: [], ...o });

function pod(ms: Manifest[]): IPodSpec {
  const job = ms.find((m) => m.kind === "Job")!.object as unknown as { spec: { template: { spec: IPodSpec } } };
  return job.spec.template.spec;
}

function env(c: IContainer): Record<string, string> {
  return Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? `from ${JSON.stringify(e.valueFrom)}`]));
}

describe("qb k8s: the pod", () => {
  const ms = generateManifests(ir(PI, { shards: "8" }), base({ params: { shards: "8" }, source: PI, namespace: "batch" }));
  const spec = pod(ms);

  it("writes a ConfigMap with the flow and its IR, then the Job", () => {
    expect(ms.map((m) => `${m.kind} ${m.name} ${m.file}`)).toEqual([
      "ConfigMap estimate-pi-flow 00-estimate-pi-flow.configmap.yaml",
      "Job estimate-pi 20-estimate-pi.job.yaml",
    ]);
    const data = (ms[0]!.object as unknown as { data: Record<string, string> }).data;
    expect(data["f.flow"]).toBe(PI);
    expect(JSON.parse(data["f.ir.json"]!)).toEqual(ir(PI, { shards: "8" }));
    for (const m of ms) expect(m.object.metadata?.namespace).toBe("batch");
  });

  it("makes the land first, as a local run does before its workers start", () => {
    const land = spec.initContainers![0]!;
    expect(land.name).toBe("land");
    expect(land.restartPolicy).toBeUndefined();
    expect(land.command).toEqual(["/bin/sh", "-c", "mkdir -p /qb/run/land"]);
    expect(land.securityContext?.runAsUser).toBe(10001);
  });

  it("runs one native sidecar per replica of each called worker, on its own loopback port", () => {
    expect(spec.initContainers!.slice(1).map((c) => [c.name, c.restartPolicy])).toEqual([
      ["mc-0", "Always"],
      ["mc-1", "Always"],
    ]);
    const [a, b] = spec.initContainers!.slice(1);
    expect(env(a!)).toMatchObject({
      QB_LISTEN: "127.0.0.1:9001",
      QB_HEALTH_LISTEN: "0.0.0.0:9501",
      QB_LAND: "/qb/run/land",
      QB_WORKER_NAME: "mc",
      QB_REPLICA: "0",
      // huge pages for bulk data (process/huge-pages.ts)
      GLIBC_TUNABLES: "glibc.malloc.hugetlb=1",
    });
    expect(env(b!)).toMatchObject({ QB_LISTEN: "127.0.0.1:9002", QB_REPLICA: "1", QB_CALLBACK: "unix:/qb/quarterback.sock" });
    // the flow's env, but never over ours
    expect(env(a!).LEVEL).toBe("debug");
    expect(a!.env!.filter((e) => e.name === "QB_LISTEN")).toHaveLength(1);
    expect(a!.command).toEqual(["/bin/sh", "-c", "exec node examples/workers/montecarlo.js"]);
    expect(a!.image).toBe("qb:1");
    expect(a!.resources).toEqual({ requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "512Mi" } });
  });

  it("probes every worker with Kubernetes' gRPC probes on its health port", () => {
    for (const [i, c] of spec.initContainers!.slice(1).entries()) {
      for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(p?.grpc).toEqual({ port: 9501 + i });
    }
  });

  it("keeps the land in memory by default: the run directory's own emptyDir over the shared volume's, in the containers that use it", () => {
    expect(spec.volumes!.find((v) => v.name === "run")).toEqual({ name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } });
    const mounted = [...spec.initContainers!, ...spec.containers].filter((c) => c.volumeMounts?.some((m) => m.name === "run")).map((c) => c.name);
    expect(mounted).toEqual(["land", "mc-0", "mc-1", "quarterback"]);
    for (const c of [...spec.initContainers!, ...spec.containers])
      for (const m of c.volumeMounts ?? []) if (m.name === "run") expect(m).toEqual({ name: "run", mountPath: "/qb/run" });
    // on disk: the shared volume's run folder, as before
    const disk = pod(generateManifests(ir(PI), base({ source: PI, land: { medium: "disk" } })));
    expect(disk.volumes!.map((v) => v.name)).not.toContain("run");
    expect([...disk.initContainers!, ...disk.containers].flatMap((c) => c.volumeMounts ?? []).map((m) => m.name)).not.toContain("run");
  });

  it("mounts the shared emptyDir in every container", () => {
    expect(spec.volumes!.find((v) => v.name === "qb")).toEqual({ name: "qb", emptyDir: {} });
    for (const c of [...spec.initContainers!, ...spec.containers]) expect(c.volumeMounts).toContainEqual({ name: "qb", mountPath: "/qb" });
  });

  it("runs the quarterback as the main container, attached to the sidecars, with the params given", () => {
    expect(spec.containers).toHaveLength(1);
    const q = spec.containers[0]!;
    expect(q.name).toBe("quarterback");
    expect(q.command).toEqual(["qb"]);
    expect(q.args).toEqual([
      "run",
      "/etc/quarterback/flow/f.flow",
      "--param",
      "shards=8",
      "--project",
      ".",
      "--run-dir",
      "/qb/run",
      "--land",
      "disk",
      "--callback-socket",
      "/qb/quarterback.sock",
      "--attach",
      "mc=127.0.0.1:9001,127.0.0.1:9002",
    ]);
    expect(q.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
  });

  it("ends with the quarterback: the Job is not retried and the pod not restarted", () => {
    const job = ms[1]!.object as unknown as { spec: { backoffLimit: number } };
    expect(job.spec.backoffLimit).toBe(0);
    expect(spec.restartPolicy).toBe("Never");
    expect(spec.automountServiceAccountToken).toBe(false);
  });

  it("passes its own check", async () => {
    for (const m of ms) expect(await checkManifest(m.object, 1)).toEqual([]);
  });
});

describe("qb k8s: the pond", () => {
  it("is the embedded pond on the pod's volume by default, filled by a lake sync init container", () => {
    const ms = generateManifests(ir(SALES), base({ lakeSyncs: [parseLakeSync("sales=sales.csv key id")], lakeClaim: "lake" }));
    const spec = pod(ms);
    const sync = spec.initContainers![1]!;
    expect(sync.name).toBe("lake-sync-sales");
    expect(sync.restartPolicy).toBeUndefined();
    expect(sync.args).toEqual(["pond", "sync", "--from", "sales.csv", "--table", "sales", "--key", "id", "--pond", "/qb/pond.duckdb"]);
    expect(sync.workingDir).toBe("/lake");
    expect(sync.volumeMounts).toContainEqual({ name: "lake", mountPath: "/lake", readOnly: true });
    expect(spec.volumes).toContainEqual({ name: "lake", persistentVolumeClaim: { claimName: "lake", readOnly: true } });
    // the sync comes before the workers: they start on a filled pond
    expect(spec.initContainers!.map((c) => c.name)).toEqual(["land", "lake-sync-sales", "stats-0"]);
    expect(spec.initContainers![2]!.image).toBe("registry.example.com/stats:1");
    expect(spec.containers[0]!.args).toContain("/qb/pond.duckdb");
  });

  it("is a MySQL-wire container with every credential from Secrets, never inline", () => {
    const ms = generateManifests(
      ir(SALES),
      base({ pond: { image: "mariadb:11", secret: "pond", dataPath: "/var/lib/mysql" }, lakeSyncs: [parseLakeSync("sales=secret:lake/url key id")] }),
    );
    const spec = pod(ms);
    const [, pondC, sync] = spec.initContainers!;
    expect(pondC!.name).toBe("pond");
    expect(pondC!.restartPolicy).toBe("Always");
    expect(pondC!.envFrom).toEqual([{ secretRef: { name: "pond" } }]);
    expect(pondC!.startupProbe?.tcpSocket).toEqual({ port: 3306 });
    expect(sync!.args).toEqual(["pond", "sync", "--from", "$(QB_LAKE)", "--table", "sales", "--key", "id"]);
    expect(sync!.env).toEqual([
      { name: "QB_LAKE", valueFrom: { secretKeyRef: { name: "lake", key: "url" } } },
      { name: "QB_POND", valueFrom: { secretKeyRef: { name: "pond", key: "QB_POND" } } },
    ]);
    const q = spec.containers[0]!;
    expect(q.env).toEqual([{ name: "QB_POND", valueFrom: { secretKeyRef: { name: "pond", key: "QB_POND" } } }]);
    expect(q.args).not.toContain("--pond");
    expect(JSON.stringify(ms)).not.toMatch(/mysql:\/\//);
  });

  it("leaves the pond out of a flow that does not use it", () => {
    expect(pod(generateManifests(ir(PI), base())).containers[0]!.args).not.toContain("--pond");
  });
});

describe("qb k8s: workers deployed as a service", () => {
  const ms = generateManifests(ir(SCALED), base({ namespace: "batch" }));

  it("makes a Deployment and a headless Service, and attaches the quarterback to the Service's DNS name", () => {
    expect(ms.map((m) => `${m.kind} ${m.name}`)).toEqual(["ConfigMap scaled-flow", "Service scaled-big", "Deployment scaled-big", "Job scaled"]);
    const svc = ms[1]!.object as unknown as { spec: { clusterIP: string; selector: Record<string, string>; ports: unknown[] } };
    expect(svc.spec.clusterIP).toBe("None");
    expect(svc.spec.ports).toEqual([{ name: "grpc", port: 9000, targetPort: 9000 }]);
    const dep = ms[2]!.object as unknown as {
      spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: IPodSpec } };
    };
    expect(dep.spec.replicas).toBe(8);
    expect(dep.spec.selector.matchLabels).toEqual(svc.spec.selector);
    expect(dep.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    const q = pod(ms).containers[0]!;
    expect(q.args).toContain("big=scaled-big.batch.svc.cluster.local:9000");
    expect(q.args).toContain("small=127.0.0.1:9001");
  });

  it("gives service workers TLS material from a Secret, and listens with it on every address", () => {
    const dep = ms[2]!.object as unknown as { spec: { template: { spec: IPodSpec } } };
    const c = dep.spec.template.spec.containers[0]!;
    expect(env(c)).toMatchObject({
      QB_LISTEN: "0.0.0.0:9000",
      QB_HEALTH_LISTEN: "0.0.0.0:9001",
      QB_TLS_CA: "/etc/quarterback/tls/ca.crt",
      QB_TLS_CERT: "/etc/quarterback/tls/tls.crt",
      QB_TLS_KEY: "/etc/quarterback/tls/tls.key",
    });
    expect(dep.spec.template.spec.volumes).toContainEqual({ name: "tls", secret: { secretName: "scaled-tls", defaultMode: 0o440 } });
    expect(c.readinessProbe?.grpc).toEqual({ port: 9001 });
    // Kubernetes would expand $(nproc) itself: it is escaped
    expect(c.command).toEqual(["/bin/sh", "-c", "python3 w.py --threads $$(nproc)"]);
    // the quarterback dials them with the same CA
    expect(env(pod(ms).containers[0]!)).toMatchObject({ QB_TLS_CA: "/etc/quarterback/tls/ca.crt" });
  });

  it("names the Service by its short name without a namespace", () => {
    expect(pod(generateManifests(ir(SCALED), base())).containers[0]!.args).toContain("big=scaled-big:9000");
  });

  it("passes its own check", async () => {
    for (const m of ms) expect(await checkManifest(m.object, 1)).toEqual([]);
  });
});

describe("qb k8s: refusals", () => {
  it("refuses an env name Kubernetes does not take", () => {
    const text = PI.replace('env {LEVEL: "debug", QB_LISTEN: "0.0.0.0:1"}', 'env {"bad name": "x"}');
    expect(() => generateManifests(ir(text), base())).toThrow(K8sOptionError);
    expect(() => generateManifests(ir(text), base())).toThrow('worker mc: env "bad name" is not a valid environment variable name');
  });

  it("refuses more replicas than one pod takes", () => {
    expect(() => generateManifests(ir(PI.replace("replicas 2", "replicas 600")), base())).toThrow("mark the big ones `deploy service`");
  });

  it("refuses a table synced twice", () => {
    expect(() => generateManifests(ir(SALES), base({ lakeSyncs: [parseLakeSync("sales=a.csv"), parseLakeSync("sales=b.csv")] }))).toThrow("synced twice");
  });
});
