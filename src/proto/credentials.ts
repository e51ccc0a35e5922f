/**
 * TransportAuth turned into grpc-js credentials, for servers (a worker, the callback
 * service) and for clients (the quarterback's worker client, a worker's callback client).
 *
 * - TLS is mutual: a server demands a client certificate signed by its CA, and a client
 *   checks the server's certificate against the same CA and the name it dialled.
 * - The token travels as `authorization: Bearer <token>` metadata on every call; a server
 *   given one answers UNAUTHENTICATED to any call without it, before the handler runs.
 *   Clients add it with an interceptor, so it is sent on plain loopback connections too
 *   (grpc-js's call credentials need a secure channel).
 * - Unix sockets never use TLS (only this host's processes with access to the file reach
 *   them); a token still applies there.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import * as grpc from "@grpc/grpc-js";
import type { TransportAuth } from "./transport-auth.js";
import { hostOf } from "./transport-policy.js";

export const AUTHORIZATION = "authorization";

function isUnix(address: string): boolean {
  return address.startsWith("unix:") || address.startsWith("unix-abstract:");
}

export function serverCredentials(auth: TransportAuth | undefined, address: string): grpc.ServerCredentials {
  if (!auth?.tls || isUnix(address)) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(auth.tls.ca, [{ private_key: auth.tls.key, cert_chain: auth.tls.cert }], true);
}

/** Equal strings, compared in time that does not depend on where they differ (digests of equal length). */
export function tokensMatch(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Why a call's metadata does not carry `token`, or null when it does. */
export function tokenRefusal(metadata: grpc.Metadata, token: string): string | null {
  const values = metadata.get(AUTHORIZATION);
  if (values.length === 0) return "this server needs a token: send `authorization: Bearer <token>` metadata (give the caller QB_TOKEN_FILE)";
  const m = /^Bearer (.+)$/.exec(String(values[0]));
  if (values.length > 1 || !m) return "the authorization metadata is not one `Bearer <token>`";
  return tokensMatch(m[1]!, token) ? null : "the token is not the one this server was given";
}

/** A server interceptor that ends every call without the token as UNAUTHENTICATED, before its handler. */
export function tokenServerInterceptor(token: string): grpc.ServerInterceptor {
  return (_method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, pass) => {
            const refusal = tokenRefusal(metadata, token);
            if (refusal === null) pass(metadata);
            else call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: refusal, metadata: new grpc.Metadata() });
          },
        }),
    });
}

/** Server options that enforce `auth`'s token (grpc-js takes interceptors at construction). */
export function serverAuthOptions(auth: TransportAuth | undefined): grpc.ServerOptions {
  return auth?.token !== undefined ? { interceptors: [tokenServerInterceptor(auth.token)] } : {};
}

/** A client interceptor that adds the token to every call's metadata. */
export function tokenClientInterceptor(token: string): grpc.Interceptor {
  const value = `Bearer ${token}`;
  return (options, next) =>
    new grpc.InterceptingCall(next(options), {
      start: (metadata, listener, start) => {
        metadata.set(AUTHORIZATION, value);
        start(metadata, listener);
      },
    });
}

export interface ClientSetup {
  credentials: grpc.ChannelCredentials;
  /** Channel options to merge into the client's own (interceptors, the TLS name to check). */
  options: grpc.ClientOptions;
}

/**
 * How a client dials `address` with `auth`. `serverName` is the name the server's
 * certificate must carry when it is not the host dialled: an address found by resolving a
 * DNS name is dialled by its IP and checked against the name.
 */
export function clientSetup(auth: TransportAuth | undefined, address: string, serverName?: string): ClientSetup {
  const options: grpc.ClientOptions = {};
  if (auth?.token !== undefined) options.interceptors = [tokenClientInterceptor(auth.token)];
  if (!auth?.tls || isUnix(address)) return { credentials: grpc.credentials.createInsecure(), options };
  if (serverName !== undefined) {
    options["grpc.ssl_target_name_override"] = serverName;
    options["grpc.default_authority"] = serverName;
  } else if (isIP(hostOf(address) ?? "") !== 0) quietIpServerName();
  return { credentials: grpc.credentials.createSsl(auth.tls.ca, auth.tls.key, auth.tls.cert), options };
}

let quiet = false;

/**
 * grpc-js gives Node an IP address as the TLS server name when it dials one
 * (grpc/grpc-node#1919), and Node then prints DEP0123 ("Setting the TLS ServerName to an
 * IP address is not permitted by RFC 6066") on stderr once per process. The certificate is
 * still checked against the IP, as it should be: that one warning, and no other, is dropped.
 */
function quietIpServerName(): void {
  if (quiet) return;
  quiet = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const first = rest[0];
    const code = typeof first === "object" && first !== null ? (first as { code?: unknown }).code : rest[1];
    if (code === "DEP0123") return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
