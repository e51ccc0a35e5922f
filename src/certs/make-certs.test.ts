import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CertsError, makeCerts } from "./make-certs.js";

const root = mkdtempSync(join(tmpdir(), "qb-certs-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(root, `d${n++}`, "tls");
const base = { hosts: [] as string[], name: "qb", days: 30, token: false };
const mode = (p: string): number => statSync(p).mode & 0o777;

describe("qb certs", () => {
  it("makes a CA and a certificate it signed, for both ends of a connection, with the hosts and loopback names", async () => {
    const dir = fresh();
    const made = await makeCerts({ ...base, dir, hosts: ["10.1.2.3", "workers.ns.svc", "fd00::7"], token: true });
    expect(made.caMade).toBe(true);
    expect(made.hosts).toEqual(["10.1.2.3", "workers.ns.svc", "fd00::7", "localhost", "127.0.0.1", "::1"]);
    const ca = new X509Certificate(readFileSync(made.ca));
    const cert = new X509Certificate(readFileSync(made.cert));
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.checkIP("10.1.2.3")).toBe("10.1.2.3");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkIP("10.1.2.4")).toBeUndefined();
    expect(cert.checkHost("workers.ns.svc")).toBe("workers.ns.svc");
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkHost("other.ns.svc")).toBeUndefined();
    // serverAuth and clientAuth
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    // keys are PKCS#8, as Node and OpenSSL read them; the token is 64 hex digits
    expect(readFileSync(made.key, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(readFileSync(made.tokenFile!, "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it("writes every file 0600 in a 0700 folder, whatever the umask", async () => {
    const dir = fresh();
    const old = process.umask(0o000);
    try {
      const made = await makeCerts({ ...base, dir, token: true });
      expect(mode(dir)).toBe(0o700);
      for (const p of [made.ca, made.caKey, made.cert, made.key, made.tokenFile!]) expect(mode(p), p).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it("signs the next certificate with the CA already there, and keeps the token", async () => {
    const dir = fresh();
    const first = await makeCerts({ ...base, dir, token: true });
    const token = readFileSync(first.tokenFile!, "utf8");
    const caText = readFileSync(first.ca, "utf8");
    const second = await makeCerts({ ...base, dir, name: "host-b", hosts: ["198.18.2.2"], token: true });
    expect(second.caMade).toBe(false);
    expect(second.tokenMade).toBe(false);
    expect(readFileSync(first.ca, "utf8")).toBe(caText);
    expect(readFileSync(second.tokenFile!, "utf8")).toBe(token);
    const ca = new X509Certificate(caText);
    expect(new X509Certificate(readFileSync(second.cert)).verify(ca.publicKey)).toBe(true);
  });

  it("refuses to overwrite a certificate, a half CA, a CA key that is not the CA's, bad names and bad hosts", async () => {
    const dir = fresh();
    await makeCerts({ ...base, dir });
    await expect(makeCerts({ ...base, dir })).rejects.toThrow(/qb\.crt is there already: give another --name, or remove it first/);
    const other = fresh();
    await makeCerts({ ...base, dir: other });
    // this folder's ca.key with another folder's ca.crt
    writeFileSync(join(dir, "ca.crt"), readFileSync(join(other, "ca.crt")));
    await expect(makeCerts({ ...base, dir, name: "x" })).rejects.toThrow(/ca\.key is not the key of .*ca\.crt/);
    rmSync(join(dir, "ca.key"));
    await expect(makeCerts({ ...base, dir, name: "y" })).rejects.toThrow(/holds ca\.crt without ca\.key: a CA needs both/);
    await expect(makeCerts({ ...base, dir: fresh(), hosts: ["not a host"] })).rejects.toThrow(/--host "not a host": neither an IP address nor a DNS name/);
    await expect(makeCerts({ ...base, dir: fresh(), name: "../escape" })).rejects.toThrow(CertsError);
    await expect(makeCerts({ ...base, dir: fresh(), name: "ca" })).rejects.toThrow(/not ca or token/);
    await expect(makeCerts({ ...base, dir: fresh(), days: 0 })).rejects.toThrow(/--days 0/);
    expect(existsSync(join(dir, "x.crt"))).toBe(false);
  });

  it("refuses a CA key that is not PKCS#8, saying how to convert it", async () => {
    const dir = fresh();
    await makeCerts({ ...base, dir });
    writeFileSync(join(dir, "ca.key"), "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n");
    await expect(makeCerts({ ...base, dir, name: "z" })).rejects.toThrow(/not a PKCS#8 key .*openssl pkcs8 -topk8 -nocrypt/);
  });
});
