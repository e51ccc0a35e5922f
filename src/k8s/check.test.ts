import { describe, expect, it } from "vitest";
import { checkManifest, fieldPath } from "./check.js";
import { checkManifestText, formatIssue } from "./yaml-files.js";

const job = (spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "pi" },
  spec: { template: { spec: { restartPolicy: "Never", ...spec } } },
});

describe("qb k8s --check", () => {
  it("turns JSON pointers into field paths", () => {
    expect(fieldPath("/spec/template/spec/containers/0/ports/1/containerPort")).toBe("spec.template.spec.containers[0].ports[1].containerPort");
    expect(fieldPath("", "kind")).toBe("kind");
    expect(fieldPath("/metadata/labels/a~1b")).toBe("metadata.labels.a/b");
  });

  it("accepts a valid Job", async () => {
    expect(await checkManifest(job({ containers: [{ name: "a", image: "i" }] }), 1)).toEqual([]);
  });

  it("names the field the schema refuses, and what it wants", async () => {
    const issues = await checkManifest(job({ containers: [{ name: "a", image: "i", ports: [{ containerPort: "80" }] }] }), 3);
    expect(issues).toEqual([{ document: 3, what: "Job pi", path: "spec.template.spec.containers[0].ports[0].containerPort", message: "must be integer" }]);
  });

  it("names a missing required field", async () => {
    const issues = await checkManifest(job({ containers: [{ image: "i" }] }), 1);
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toContain("spec.template.spec.containers[0].name: is required");
  });

  it("refuses what the API server refuses beyond the schema", async () => {
    const issues = await checkManifest(
      job({
        volumes: [{ name: "qb", emptyDir: {} }],
        initContainers: [
          { name: "w-0", image: "i", restartPolicy: "OnFailure" },
          { name: "sync", image: "i", readinessProbe: { grpc: { port: 1 } } },
          { name: "w-1", image: "i", restartPolicy: "Always", startupProbe: { grpc: { port: 1 }, exec: { command: ["x"] } } },
        ],
        containers: [
          { name: "Main_1", image: "i", volumeMounts: [{ name: "land", mountPath: "/l" }] },
          { name: "w-0", image: "i", restartPolicy: "Always" },
        ],
      }),
      1,
    );
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'spec.template.spec.initContainers[0].restartPolicy: must be "Always" (a native sidecar) or absent',
      "spec.template.spec.initContainers[1].readinessProbe: is not allowed on an init container that runs to completion",
      "spec.template.spec.initContainers[2].startupProbe: needs exactly one of exec, httpGet, tcpSocket, grpc, not exec and grpc",
      "spec.template.spec.containers[0].name: \"Main_1\" is not a valid container name: lowercase letters, digits and '-', at most 63 characters",
      'spec.template.spec.containers[0].volumeMounts[0].name: no volume "land" in spec.template.spec.volumes',
      'spec.template.spec.containers[1].name: "w-0" is also the name of spec.template.spec.initContainers[0]',
      "spec.template.spec.containers[1].restartPolicy: is allowed on init containers only (native sidecars)",
    ]);
  });

  it.each([
    [{ kind: "Job", metadata: { name: "x" } }, "apiVersion: is required"],
    [{ apiVersion: "batch/v1", metadata: { name: "x" } }, "kind: is required"],
    [{ apiVersion: "batch/v9", kind: "Job", metadata: { name: "x" } }, 'apiVersion: "batch/v9" is not an API version this check knows'],
    [{ apiVersion: "v1", kind: "Jobb", metadata: { name: "x" } }, 'kind: "Jobb" is not a kind of v1'],
    [{ apiVersion: "v1", kind: "ConfigMap", metadata: {} }, "metadata.name: is required"],
    [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "Big_Name" } }, 'metadata.name: "Big_Name" is not a valid name'],
    [{ apiVersion: "v1", kind: "Service", metadata: { name: "9lives" } }, "starting with a letter"],
    [["a list"], "is not a Kubernetes object"],
  ])("refuses %j", async (doc, message) => {
    const issues = await checkManifest(doc, 1);
    expect(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("\n")).toContain(message);
  });

  it("reads every document of a file, names each, and reports YAML errors with their line", async () => {
    const text = `# comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {k: 1}\n---\n---\nkind: [\n`;
    const r = await checkManifestText(text);
    expect(r.documents).toBe(2);
    expect(r.issues.map((i) => formatIssue("dir/x.yaml", i))).toEqual([
      "dir/x.yaml: document 2 (ConfigMap b): data.k: must be string",
      expect.stringMatching(/^dir\/x\.yaml: document 4 \(document 4\): YAML: .* \(line \d+, column \d+\)$/),
    ]);
  });
});
