/** The local pod: worker replicas as processes (or attached), health, dispatch over replicas, restarts, teardown. */
export { LocalPod, type PodOptions } from "./local-pod.js";
export { WorkerStartError, ReplicaCallError, ReplicaCrashedError, WorkerUnavailableError } from "./errors.js";
export { resolveAttached, AttachResolveError, type AttachTarget, type Lookup } from "./attach.js";
