/** The worker contract: proto location, loaded definitions, message types, error codes. */
export { PROTO_ROOT, WORKER_PROTO, HEALTH_PROTO } from "./paths.js";
export { loadProtos, LOADER_OPTIONS, type LoadedProtos } from "./load.js";
export { bindServer, resolvedAddress, BindError } from "./bind.js";
export { serveCallback, type CallbackHandlers, type CallbackServer } from "./callback-server.js";
export * from "./error-codes.js";
export type * from "./messages.js";
export { authFilesFromEnv, loadTransportAuth, mergeAuthFiles, AuthConfigError, type AuthFiles, type TransportAuth } from "./transport-auth.js";
export { checkTransport, isLoopbackAddress, hostOf, InsecureTransportError } from "./transport-policy.js";
export { clientSetup, serverAuthOptions, serverCredentials } from "./credentials.js";
