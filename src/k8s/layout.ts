/**
 * Where things are in a generated pod (docs/kubernetes.md, "What is in the pod"). One
 * `emptyDir` volume is mounted at /qb in every container of the quarterback's pod: the run
 * directory (and so the land) and the embedded pond live on it, and the callback socket.
 */
export const SHARED_VOLUME = "qb";
export const SHARED_MOUNT = "/qb";
/** `qb run --run-dir`: the land is its `land/` folder, as in a local run. */
export const RUN_DIR = "/qb/run";
export const LAND_DIR = "/qb/run/land";
/**
 * The run directory's own emptyDir when the land is in memory (`medium: Memory`), mounted at
 * RUN_DIR over the shared volume: the land with it. Not at LAND_DIR: the runtime would make
 * RUN_DIR, the mount point's parent, as root, where the quarterback could not write.
 */
export const RUN_VOLUME = "run";
/** The callback service: a unix socket on the shared volume, reached by every container of the pod and nothing else. */
export const CALLBACK_SOCKET = "/qb/quarterback.sock";
export const CALLBACK_ADDRESS = `unix:${CALLBACK_SOCKET}`;
/** The embedded pond (DuckDB file), on the shared volume. */
export const POND_FILE = "/qb/pond.duckdb";

export const FLOW_VOLUME = "flow";
export const FLOW_MOUNT = "/etc/quarterback/flow";
export const TLS_VOLUME = "tls";
export const TLS_MOUNT = "/etc/quarterback/tls";
export const LAKE_VOLUME = "lake";
export const LAKE_MOUNT = "/lake";
export const POND_DATA_VOLUME = "pond-data";

/** Replica i of the pod's workers listens on 127.0.0.1:(FIRST_WORKER_PORT + i). */
export const FIRST_WORKER_PORT = 9001;
/** ... and answers health checks (only) on 0.0.0.0:(FIRST_HEALTH_PORT + i), where the kubelet's probes reach it. */
export const FIRST_HEALTH_PORT = 9501;
export const MAX_POD_REPLICAS = FIRST_HEALTH_PORT - FIRST_WORKER_PORT;

/** A worker deployed as a service: gRPC with mutual TLS on SERVICE_PORT, health only on SERVICE_HEALTH_PORT. */
export const SERVICE_PORT = 9000;
export const SERVICE_HEALTH_PORT = 9001;

/** The MySQL-wire pond container's port. */
export const POND_PORT = 3306;

/** The user our Containerfile runs as. */
export const IMAGE_USER = 10001;

/** File names in a TLS Secret (those of `kubernetes.io/tls` Secrets, plus the CA). */
export const TLS_FILES = { ca: "ca.crt", cert: "tls.crt", key: "tls.key" } as const;
