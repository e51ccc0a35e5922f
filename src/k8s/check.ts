/**
 * `qb k8s --check`: every manifest validated offline against the Kubernetes API schemas
 * (kubernetes-models, generated from Kubernetes' OpenAPI), plus the rules the API server
 * adds that no schema says (names, volume references, native sidecars, probes). Each
 * problem names the document and the path of the field.
 */
import { isDnsLabel, isDnsSubdomain } from "./names.js";

/** One problem in one document. */
export interface ManifestIssue {
  /** 1-based index of the document in its file. */
  document: number;
  /** `Job estimate-pi`, or `document 2` when it has no kind or name. */
  what: string;
  /** `spec.template.spec.containers[0].image`; empty for the document itself. */
  path: string;
  message: string;
}

interface ValidationErrorLike {
  errors?: Array<{ instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> }>;
}

type ModelClass = new (data: unknown) => { validate(): void };
type Group = Record<string, unknown>;

/**
 * The API groups the check knows, loaded when a document needs one (the models are large).
 * Static imports, so the bundle can leave each one outside by name (scripts/bundle.ts).
 */
const GROUPS: Record<string, () => Promise<Group>> = {
  v1: () => import("kubernetes-models/v1"),
  "apps/v1": () => import("kubernetes-models/apps/v1"),
  "batch/v1": () => import("kubernetes-models/batch/v1"),
  "networking.k8s.io/v1": () => import("kubernetes-models/networking.k8s.io/v1"),
  "policy/v1": () => import("kubernetes-models/policy/v1"),
  "autoscaling/v2": () => import("kubernetes-models/autoscaling/v2"),
  "rbac.authorization.k8s.io/v1": () => import("kubernetes-models/rbac.authorization.k8s.io/v1"),
};

/** The API versions the check knows (each is `kubernetes-models/<version>`). */
export const API_VERSIONS: readonly string[] = Object.keys(GROUPS);

/** `/spec/containers/0/image` → `spec.containers[0].image`. */
export function fieldPath(pointer: string, extra?: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  }
  if (extra !== undefined) out += out === "" ? extra : `.${extra}`;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** What a schema error says, with the values it allows when it lists them. */
function describeError(e: NonNullable<ValidationErrorLike["errors"]>[number]): { path: string; message: string } {
  const params = e.params ?? {};
  if (e.keyword === "required" && typeof params.missingProperty === "string")
    return { path: fieldPath(e.instancePath ?? "", params.missingProperty), message: "is required" };
  if (e.keyword === "enum" && Array.isArray(params.allowedValues))
    return { path: fieldPath(e.instancePath ?? ""), message: `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}` };
  return { path: fieldPath(e.instancePath ?? ""), message: e.message ?? String(e.keyword) };
}

/** Every issue of one parsed document (index is 1-based). */
export async function checkManifest(doc: unknown, index: number): Promise<ManifestIssue[]> {
  if (!isObject(doc))
    return [{ document: index, what: `document ${index}`, path: "", message: "is not a Kubernetes object (a mapping with apiVersion and kind)" }];
  const kind = typeof doc.kind === "string" ? doc.kind : undefined;
  const apiVersion = typeof doc.apiVersion === "string" ? doc.apiVersion : undefined;
  const metadata = isObject(doc.metadata) ? doc.metadata : undefined;
  const name = typeof metadata?.name === "string" ? metadata.name : undefined;
  const what = kind && name ? `${kind} ${name}` : kind ? `${kind} (no name)` : `document ${index}`;
  const issue = (path: string, message: string): ManifestIssue => ({ document: index, what, path, message });
  if (apiVersion === undefined) return [issue("apiVersion", "is required")];
  if (kind === undefined) return [issue("kind", "is required")];
  const load = Object.hasOwn(GROUPS, apiVersion) ? GROUPS[apiVersion] : undefined;
  if (!load) return [issue("apiVersion", `${JSON.stringify(apiVersion)} is not an API version this check knows (${Object.keys(GROUPS).join(", ")})`)];
  const group = await load();
  const Model = Object.hasOwn(group, kind) ? (group[kind] as ModelClass | undefined) : undefined;
  if (typeof Model !== "function" || !/^[A-Z]/.test(kind)) return [issue("kind", `${JSON.stringify(kind)} is not a kind of ${apiVersion}`)];
  const issues: ManifestIssue[] = [];
  try {
    new Model(doc).validate();
  } catch (err) {
    const errors = (err as ValidationErrorLike).errors;
    if (!Array.isArray(errors)) throw err;
    for (const e of errors) {
      const d = describeError(e);
      issues.push(issue(d.path, d.message));
    }
  }
  issues.push(...serverRules(doc, kind, issue));
  return issues;
}

type Issue = (path: string, message: string) => ManifestIssue;

/** The pod spec inside a workload, with its path. */
function podSpecOf(doc: Record<string, unknown>, kind: string): { spec: Record<string, unknown>; path: string } | undefined {
  const at = (path: string[]): unknown => path.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), doc);
  const paths: Record<string, string[]> = {
    Pod: ["spec"],
    Job: ["spec", "template", "spec"],
    Deployment: ["spec", "template", "spec"],
    StatefulSet: ["spec", "template", "spec"],
    DaemonSet: ["spec", "template", "spec"],
    ReplicaSet: ["spec", "template", "spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
  };
  const path = paths[kind];
  const spec = path ? at(path) : undefined;
  return isObject(spec) && path ? { spec, path: path.join(".") } : undefined;
}

/** What the API server checks beyond the schema, for the objects `qb k8s` writes. */
function serverRules(doc: Record<string, unknown>, kind: string, issue: Issue): ManifestIssue[] {
  const out: ManifestIssue[] = [];
  const metadata = isObject(doc.metadata) ? doc.metadata : {};
  if (typeof metadata.name !== "string" && typeof metadata.generateName !== "string") out.push(issue("metadata.name", "is required"));
  else if (typeof metadata.name === "string") {
    const ok = kind === "Service" ? /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(metadata.name) && metadata.name.length <= 63 : isDnsSubdomain(metadata.name);
    if (!ok)
      out.push(
        issue(
          "metadata.name",
          `${JSON.stringify(metadata.name)} is not a valid name: lowercase letters, digits and '-'${kind === "Service" ? ", starting with a letter, at most 63 characters" : " (and '.'), at most 253 characters"}`,
        ),
      );
  }
  const pod = podSpecOf(doc, kind);
  if (pod) out.push(...podRules(pod.spec, pod.path, issue));
  return out;
}

const HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"];

function podRules(spec: Record<string, unknown>, at: string, issue: Issue): ManifestIssue[] {
  const out: ManifestIssue[] = [];
  const volumes = new Set((Array.isArray(spec.volumes) ? spec.volumes : []).flatMap((v) => (isObject(v) && typeof v.name === "string" ? [v.name] : [])));
  const names = new Map<string, string>();
  for (const list of ["initContainers", "containers"] as const) {
    const containers = Array.isArray(spec[list]) ? (spec[list] as unknown[]) : [];
    containers.forEach((c, i) => {
      if (!isObject(c)) return;
      const path = `${at}.${list}[${i}]`;
      if (typeof c.name === "string") {
        if (!isDnsLabel(c.name))
          out.push(issue(`${path}.name`, `${JSON.stringify(c.name)} is not a valid container name: lowercase letters, digits and '-', at most 63 characters`));
        const first = names.get(c.name);
        if (first) out.push(issue(`${path}.name`, `${JSON.stringify(c.name)} is also the name of ${first}`));
        else names.set(c.name, path);
      }
      if (c.restartPolicy !== undefined) {
        if (list === "containers") out.push(issue(`${path}.restartPolicy`, "is allowed on init containers only (native sidecars)"));
        else if (c.restartPolicy !== "Always") out.push(issue(`${path}.restartPolicy`, 'must be "Always" (a native sidecar) or absent'));
      }
      const sidecar = list === "containers" || c.restartPolicy === "Always";
      for (const p of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const probe = c[p];
        if (!isObject(probe)) continue;
        if (!sidecar) out.push(issue(`${path}.${p}`, "is not allowed on an init container that runs to completion"));
        const handlers = HANDLERS.filter((h) => probe[h] !== undefined);
        if (handlers.length !== 1)
          out.push(issue(`${path}.${p}`, `needs exactly one of ${HANDLERS.join(", ")}${handlers.length ? `, not ${handlers.join(" and ")}` : ""}`));
      }
      const mounts = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
      mounts.forEach((m, j) => {
        if (isObject(m) && typeof m.name === "string" && !volumes.has(m.name))
          out.push(issue(`${path}.volumeMounts[${j}].name`, `no volume ${JSON.stringify(m.name)} in ${at}.volumes`));
      });
    });
  }
  return out;
}
