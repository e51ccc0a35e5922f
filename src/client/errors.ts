/** Errors seen by a caller of a worker. */
import type * as grpc from "@grpc/grpc-js";
import { fromWireCode, type ErrorCode } from "../proto/error-codes.js";
import type { CallErrorMsg } from "../proto/messages.js";

/**
 * gRPC's status codes by number, as in the gRPC spec (grpc-js's `status` enum holds the
 * same): written out so this module, and the pod that imports it, can load before grpc-js.
 */
export const GRPC_STATUS_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

export const GRPC_UNKNOWN = 2;
export const GRPC_UNIMPLEMENTED = 12;
export const GRPC_UNAVAILABLE = 14;
export const GRPC_UNAUTHENTICATED = 16;

/** What grpc-js's last connection error says when a TLS handshake failed (Node's and OpenSSL's words). */
const TLS_FAILURE = /certificate|SSL routines|self[- ]signed|unable to (?:verify|get)|tlsv1|handshake|Hostname\/IP does not match|ERR_TLS/i;
/**
 * grpc-js's words when the TCP connection was made but no HTTP/2 session came up (a
 * refused connection says ECONNREFUSED instead): a plain client at a TLS port, or a
 * certificate the server does not trust; the server's close arrives as either.
 */
const NO_SESSION = /No connection established\. Last error: (?:Failed to connect\b|read ECONNRESET)/;

/** What to add to a connection error that looks like a TLS mismatch. */
export function authFailureHint(err: unknown): string {
  if (!(err instanceof TransportError) || !NO_SESSION.test(err.message)) return "";
  return " (the connection was made but no gRPC session came up: a server that demands TLS refuses a plain client this way, and so does one whose CA did not sign the client's certificate; check QB_TLS_CA, QB_TLS_CERT and QB_TLS_KEY on both sides)";
}

/**
 * The worker refused our token (UNAUTHENTICATED), or a TLS handshake failed on a
 * certificate: waiting and trying again would not change the answer.
 */
export function isAuthFailure(err: unknown): boolean {
  if (!(err instanceof TransportError)) return false;
  if (err.grpcCode === GRPC_UNAUTHENTICATED) return true;
  return err.grpcCode === GRPC_UNAVAILABLE && (TLS_FAILURE.test(err.message) || NO_SESSION.test(err.message));
}

/** The worker answered the call with an error result. */
export class RemoteCallError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: string;
  /** The error's type in the worker's language. */
  readonly remoteType: string;

  constructor(
    msg: CallErrorMsg,
    readonly callId: string,
  ) {
    super(msg.message || "(no message)");
    this.name = "RemoteCallError";
    this.code = fromWireCode(msg.code);
    this.retryable = msg.retryable;
    this.details = msg.details;
    this.remoteType = msg.type;
  }
}

/** The call did not complete at the gRPC level (transport, deadline, malformed message...). */
export class TransportError extends Error {
  readonly grpcCode: grpc.status;

  constructor(message: string, options: { cause?: grpc.ServiceError | unknown; grpcCode?: grpc.status } = {}) {
    super(message, { cause: options.cause });
    this.name = "TransportError";
    const c = options.cause as Partial<grpc.ServiceError> | undefined;
    this.grpcCode = options.grpcCode ?? (typeof c?.code === "number" ? c.code : GRPC_UNKNOWN);
  }

  get grpcCodeName(): string {
    return GRPC_STATUS_NAMES[this.grpcCode] ?? String(this.grpcCode);
  }
}

/** The worker broke the protocol (e.g. an Output with neither result nor error). */
export class WorkerProtocolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WorkerProtocolError";
  }
}

/** A worker's answer over the message limit the two sides agreed on: not retryable, the same answer would come again. */
export class MessageTooLargeError extends Error {
  readonly retryable = false;
  constructor(
    readonly method: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `the answer of ${method} is ${bytes} bytes, over the ${limit}-byte message limit (the smaller of the worker's max_message_bytes and the quarterback's): ` +
        `return bulk data as a land reference (ctx.land.writeFile), or raise the worker's limit (serveWorker's maxMessageBytes)`,
    );
    this.name = "MessageTooLargeError";
  }
}
