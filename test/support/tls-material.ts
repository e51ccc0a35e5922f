/**
 * Certificates and tokens for the TLS tests, made by `qb certs`'s own code: one CA ("good")
 * with a certificate per name, and a second CA ("other") whose certificate no server of
 * the tests trusts. Files under `dir`, as a user's would be.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeCerts } from "../../src/certs/make-certs.js";
import type { AuthFiles } from "../../src/proto/transport-auth.js";

export interface TlsMaterial {
  /** name → files of a certificate signed by the good CA, with the good token. */
  good: Record<string, Required<AuthFiles>>;
  /** A certificate for localhost signed by another CA, with the good token. */
  otherCa: Required<AuthFiles>;
  /** The good CA's certificate, and a file holding a token that is not the good one. */
  wrongToken: string;
  dir: string;
}

export async function tlsMaterial(dir: string, hosts: Record<string, string[]> = { qb: [] }): Promise<TlsMaterial> {
  const good: Record<string, Required<AuthFiles>> = {};
  let tokenFile = "";
  for (const [name, list] of Object.entries(hosts)) {
    const made = await makeCerts({ dir: join(dir, "good"), hosts: list, name, days: 2, token: true });
    tokenFile = made.tokenFile!;
    good[name] = { ca: made.ca, cert: made.cert, key: made.key, tokenFile };
  }
  const other = await makeCerts({ dir: join(dir, "other"), hosts: [], name: "intruder", days: 2, token: false });
  const wrongToken = join(dir, "wrong-token");
  writeFileSync(wrongToken, randomBytes(32).toString("hex") + "\n", { mode: 0o600 });
  return { good, otherCa: { ca: other.ca, cert: other.cert, key: other.key, tokenFile }, wrongToken, dir };
}

/** The env variables a worker (or qb run) reads the files from. */
export function authEnv(files: AuthFiles): Record<string, string> {
  const env: Record<string, string> = {};
  if (files.ca) env.QB_TLS_CA = files.ca;
  if (files.cert) env.QB_TLS_CERT = files.cert;
  if (files.key) env.QB_TLS_KEY = files.key;
  if (files.tokenFile) env.QB_TOKEN_FILE = files.tokenFile;
  return env;
}
