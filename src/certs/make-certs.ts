/**
 * `qb certs DIR`: a certificate authority and certificates signed by it, for mutual TLS
 * between the quarterback and its workers (docs/remote-workers.md), made with
 * @peculiar/x509 on Node's WebCrypto: ECDSA P-256 keys, SHA-256 signatures.
 *
 * Every certificate made here serves both ends of a connection (extended key usage
 * serverAuth and clientAuth): a worker listens with it and dials the callback service with
 * it, the quarterback dials workers with it and serves its callback service with it. Its
 * subject alternative names are the hosts given plus localhost, 127.0.0.1 and ::1.
 * The CA in DIR is made on the first run and reused after, so one CA signs the
 * certificates of every host. Keys and the token are written 0600, in a 0700 folder.
 */
import { randomBytes, webcrypto } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join, resolve } from "node:path";

export interface MakeCertsOptions {
  dir: string;
  /** DNS names and IP addresses the certificate is for (besides the loopback ones). */
  hosts: string[];
  /** The files' base name: NAME.crt and NAME.key. */
  name: string;
  /** How long the certificate is valid. */
  days: number;
  /** Also write DIR/token (when there is none yet), a random bearer token. */
  token: boolean;
  /** For tests: the certificates' start. */
  now?: Date;
}

export interface MadeCerts {
  ca: string;
  caKey: string;
  /** The CA was made now (false: the one in DIR signed). */
  caMade: boolean;
  cert: string;
  key: string;
  /** Every name and address the certificate holds. */
  hosts: string[];
  notAfter: Date;
  tokenFile?: string;
  tokenMade?: boolean;
}

/** A bad name, a clash with files already there, or a CA that cannot be used. */
export class CertsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CertsError";
  }
}

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type KeyAlgorithm = webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;

const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1"];
const CA_DAYS = 3650;
const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
const EC_SIGN = { name: "ECDSA", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;
/** A DNS name (RFC 1123 labels), optionally with a leading `*.` label. */
const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** `name` is a file base name, not a path. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export async function makeCerts(options: MakeCertsOptions): Promise<MadeCerts> {
  if (!FILE_NAME.test(options.name) || options.name === "ca" || options.name === "token")
    throw new CertsError(`--name ${JSON.stringify(options.name)}: a plain file name (letters, digits, . _ -), not ca or token`);
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > CA_DAYS)
    throw new CertsError(`--days ${options.days}: a whole number of days from 1 to ${CA_DAYS} (the CA's own life)`);
  for (const h of options.hosts)
    if (isIP(h) === 0 && (!DNS_NAME.test(h) || h.length > 253))
      throw new CertsError(`--host ${JSON.stringify(h)}: neither an IP address nor a DNS name (give the name workers are dialled by, or their IP)`);

  const dir = resolve(options.dir);
  const paths = {
    ca: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    cert: join(dir, `${options.name}.crt`),
    key: join(dir, `${options.name}.key`),
    token: join(dir, "token"),
  };
  for (const p of [paths.cert, paths.key]) if (existsSync(p)) throw new CertsError(`${p} is there already: give another --name, or remove it first`);
  if (existsSync(paths.ca) !== existsSync(paths.caKey))
    throw new CertsError(`${dir} holds ${existsSync(paths.ca) ? "ca.crt without ca.key" : "ca.key without ca.crt"}: a CA needs both (or neither, to make one)`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  // loaded only here: `qb certs` is the one command that needs them (the polyfill first: @peculiar/x509 wants it)
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);
  const now = options.now ?? new Date();
  const serial = (): string => {
    const b = randomBytes(16);
    b[0] = b[0]! & 0x7f;
    return b.toString("hex");
  };

  let ca: InstanceType<typeof x509.X509Certificate>;
  let caKey: CryptoKey;
  let caSign: webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams;
  const caMade = !existsSync(paths.ca);
  if (caMade) {
    const keys = (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
    ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: "CN=Quarterback CA",
      notBefore: now,
      notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
      keys,
      signingAlgorithm: EC_SIGN,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    caKey = keys.privateKey;
    caSign = EC_SIGN;
    writePrivate(paths.caKey, await pkcs8Pem(keys.privateKey));
    writePrivate(paths.ca, ca.toString("pem") + "\n");
  } else {
    try {
      ca = new x509.X509Certificate(readFileSync(paths.ca, "utf8"));
    } catch (err) {
      throw new CertsError(`${paths.ca}: not a PEM certificate (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    }
    const alg = ca.publicKey.algorithm as KeyAlgorithm;
    caSign = alg.name === "ECDSA" ? { name: "ECDSA", hash: "SHA-256" } : { ...alg, hash: "SHA-256" };
    caKey = await importPkcs8(paths.caKey, alg.name === "ECDSA" ? alg : { ...alg, hash: "SHA-256" });
  }

  const hosts = [...new Set([...options.hosts, ...LOOPBACK_HOSTS])];
  const keys = (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
  const notAfter = new Date(Math.min(now.getTime() + options.days * DAY_MS, ca.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${options.name}`,
    issuer: ca.subject,
    notBefore: now,
    notAfter,
    signingKey: caKey,
    publicKey: keys.publicKey,
    signingAlgorithm: caSign,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: isIP(h) === 0 ? "dns" : "ip", value: h }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  // a CA key that is not the CA certificate's would sign certificates nobody trusts
  if (!(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true })))
    throw new CertsError(`${paths.caKey} is not the key of ${paths.ca}: the certificate it signed does not verify`);
  writePrivate(paths.key, await pkcs8Pem(keys.privateKey));
  writePrivate(paths.cert, cert.toString("pem") + "\n");

  const made: MadeCerts = { ca: paths.ca, caKey: paths.caKey, caMade, cert: paths.cert, key: paths.key, hosts, notAfter };
  if (options.token) {
    made.tokenFile = paths.token;
    made.tokenMade = !existsSync(paths.token);
    if (made.tokenMade) writePrivate(paths.token, randomBytes(32).toString("hex") + "\n");
  }
  return made;
}

/** Writes a new file with `mode` (0600 for secrets), whatever the umask. */
function writePrivate(path: string, text: string, mode = 0o600): void {
  writeFileSync(path, text, { mode, flag: "wx" });
  chmodSync(path, mode);
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "")}\n-----END PRIVATE KEY-----\n`;
}

async function importPkcs8(path: string, alg: KeyAlgorithm): Promise<CryptoKey> {
  const text = readFileSync(path, "utf8");
  const m = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(text);
  if (!m)
    throw new CertsError(
      `${path}: not a PKCS#8 key ("-----BEGIN PRIVATE KEY-----"); convert it with \`openssl pkcs8 -topk8 -nocrypt -in ${path} -out ${path}.pk8\``,
    );
  try {
    return await webcrypto.subtle.importKey("pkcs8", Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"), alg, false, ["sign"]);
  } catch (err) {
    throw new CertsError(`${path}: cannot use it as the CA's key (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}
