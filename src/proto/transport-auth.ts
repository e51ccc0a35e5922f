/**
 * What authenticates a gRPC connection between the quarterback and its workers, either way
 * (docs/remote-workers.md): mutual TLS (a CA, and this side's certificate and key) and/or a
 * bearer token. Read from files named by QB_TLS_CA, QB_TLS_CERT, QB_TLS_KEY and
 * QB_TOKEN_FILE (or the `qb run` options of the same names), once, at start.
 */
import { readFileSync } from "node:fs";

/** Where the material is: file paths, each optional. */
export interface AuthFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  tokenFile?: string | undefined;
}

/** The material, read. */
export interface TransportAuth {
  /** Mutual TLS: the CA that signs both sides, and this side's certificate chain and key (PEM). */
  tls?: { ca: Buffer; cert: Buffer; key: Buffer };
  /** The bearer token both sides share. */
  token?: string;
}

/** A token shorter than this is refused: it would be guessed. `qb certs --token` makes 64 hex digits. */
export const MIN_TOKEN_LENGTH = 16;

/** How each setting is called where it was given: env variables, or `qb run` options. */
export interface AuthNames {
  ca: string;
  cert: string;
  key: string;
  tokenFile: string;
}

export const ENV_NAMES: AuthNames = { ca: "QB_TLS_CA", cert: "QB_TLS_CERT", key: "QB_TLS_KEY", tokenFile: "QB_TOKEN_FILE" };

/** The TLS or token settings are incomplete or unreadable. */
export class AuthConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AuthConfigError";
  }
}

/** The paths QB_TLS_CA, QB_TLS_CERT, QB_TLS_KEY and QB_TOKEN_FILE name (blank ones are unset). */
export function authFilesFromEnv(env: Record<string, string | undefined>): AuthFiles {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  return { ca: get(ENV_NAMES.ca), cert: get(ENV_NAMES.cert), key: get(ENV_NAMES.key), tokenFile: get(ENV_NAMES.tokenFile) };
}

/** `over`'s settings where given, else `base`'s (command-line options over the environment). */
export function mergeAuthFiles(base: AuthFiles, over: AuthFiles): AuthFiles {
  return { ca: over.ca ?? base.ca, cert: over.cert ?? base.cert, key: over.key ?? base.key, tokenFile: over.tokenFile ?? base.tokenFile };
}

/**
 * Reads the files: TLS needs all three of CA, certificate and key; the token is the token
 * file's content without surrounding white space. Undefined when nothing is set.
 */
export function loadTransportAuth(files: AuthFiles, names: AuthNames = ENV_NAMES): TransportAuth | undefined {
  const auth: TransportAuth = {};
  const tlsGiven = (["ca", "cert", "key"] as const).filter((k) => files[k] !== undefined);
  if (tlsGiven.length > 0) {
    if (tlsGiven.length < 3) {
      const missing = (["ca", "cert", "key"] as const).filter((k) => files[k] === undefined).map((k) => names[k]);
      throw new AuthConfigError(
        `TLS needs a CA, a certificate and its key: ${tlsGiven.map((k) => names[k]).join(" and ")} ${tlsGiven.length === 1 ? "is" : "are"} set but not ${missing.join(" nor ")}`,
      );
    }
    auth.tls = {
      ca: readPem(files.ca!, names.ca, "CERTIFICATE"),
      cert: readPem(files.cert!, names.cert, "CERTIFICATE"),
      key: readPem(files.key!, names.key, "PRIVATE KEY"),
    };
  }
  if (files.tokenFile !== undefined) auth.token = readToken(files.tokenFile, names.tokenFile);
  return auth.tls || auth.token !== undefined ? auth : undefined;
}

function readFile(path: string, name: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new AuthConfigError(`${name} ${path}: cannot read it: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** A PEM file holding at least one block of `kind` (a key may be `EC PRIVATE KEY`, `RSA PRIVATE KEY`...). */
function readPem(path: string, name: string, kind: string): Buffer {
  const bytes = readFile(path, name);
  if (!new RegExp(`-----BEGIN [A-Z ]*${kind}-----`).test(bytes.toString("latin1")))
    throw new AuthConfigError(`${name} ${path}: not a PEM file holding a ${kind.toLowerCase()} (no "-----BEGIN ...${kind}-----" line)`);
  return bytes;
}

function readToken(path: string, name: string): string {
  const token = readFile(path, name).toString("utf8").trim();
  if (token.length < MIN_TOKEN_LENGTH)
    throw new AuthConfigError(
      `${name} ${path}: ${token.length === 0 ? "the file is empty" : `the token has ${token.length} characters`}; a token needs at least ${MIN_TOKEN_LENGTH} (\`qb certs DIR --token\` makes one)`,
    );
  if (!/^[\x21-\x7e]+$/.test(token))
    throw new AuthConfigError(`${name} ${path}: a token is one line of printable ASCII without spaces (it travels as gRPC metadata)`);
  return token;
}
