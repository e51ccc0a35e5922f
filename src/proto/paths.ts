/**
 * Where the .proto files are at run time. The contract lives at the package root in
 * `proto/quarterback/v1/worker.proto`; this file sits two folders below the root both as
 * source (`src/proto/paths.ts`) and built (`dist/proto/paths.js`), so one relative URL
 * finds it from either.
 */
import { fileURLToPath } from "node:url";

/** The folder holding `quarterback/v1/worker.proto` (the include root for imports). */
export const PROTO_ROOT = fileURLToPath(new URL("../../proto/", import.meta.url));

/** The worker contract: services Worker and Quarterback, package quarterback.v1. */
export const WORKER_PROTO = fileURLToPath(new URL("../../proto/quarterback/v1/worker.proto", import.meta.url));

/** The standard grpc.health.v1 proto (Check, Watch, List). */
export const HEALTH_PROTO = fileURLToPath(new URL("../../proto/grpc/health/v1/health.proto", import.meta.url));
