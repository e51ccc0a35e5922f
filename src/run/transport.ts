/**
 * What a run needs to attach workers on other hosts (RunOptions.auth), for callers of the
 * library: TLS and token material read from files, and the errors that refuse it.
 */
import { authFilesFromEnv, loadTransportAuth, mergeAuthFiles, type AuthFiles, type TransportAuth } from "../proto/transport-auth.js";
export { AuthConfigError, type AuthFiles, type TransportAuth } from "../proto/transport-auth.js";
export { InsecureTransportError } from "../proto/transport-policy.js";

/** The material in `files`, each one defaulting to QB_TLS_CA, QB_TLS_CERT, QB_TLS_KEY and QB_TOKEN_FILE in `env`; undefined when none is set. */
export function transportAuth(files: AuthFiles = {}, env: Record<string, string | undefined> = process.env): TransportAuth | undefined {
  return loadTransportAuth(mergeAuthFiles(authFilesFromEnv(env), files));
}
