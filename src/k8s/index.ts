/** `qb k8s`: a flow as Kubernetes manifests, and their offline check. Pure: no I/O. */
export { generateManifests, type Manifest } from "./generate.js";
export { K8sOptionError, landPlacement, parseLakeSync, type K8sOptions, type LakeSync, type LandPlacement, type MysqlPond } from "./options.js";
export { checkManifest, fieldPath, type ManifestIssue } from "./check.js";
export { checkManifestText, formatIssue, manifestYaml, GENERATED_MARK } from "./yaml-files.js";
export { dnsLabel } from "./names.js";
