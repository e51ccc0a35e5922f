/** Calling workers: Invoke, Describe, health and Session from the caller's side. */
export { WorkerClient, outcome, type WorkerClientOptions, type InvokeOptions } from "./worker-client.js";
export { SessionClient, SessionCall, type SessionCallOptions, type RequestOptions } from "./session-client.js";
export { RemoteCallError, TransportError, WorkerProtocolError } from "./errors.js";
