import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AuthConfigError, authFilesFromEnv, loadTransportAuth, mergeAuthFiles } from "./transport-auth.js";

const dir = mkdtempSync(join(tmpdir(), "qb-auth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
const ca = file("ca.crt", PEM_CERT);
const cert = file("qb.crt", PEM_CERT);
const key = file("qb.key", PEM_KEY);
const token = file("token", "  0123456789abcdef0123456789abcdef\n");

function refusal(f: () => unknown): AuthConfigError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthConfigError);
    return err as AuthConfigError;
  }
  throw new Error("expected an AuthConfigError");
}

describe("the TLS and token settings", () => {
  it("come from QB_TLS_CA, QB_TLS_CERT, QB_TLS_KEY and QB_TOKEN_FILE; blank ones are unset", () => {
    expect(authFilesFromEnv({ QB_TLS_CA: " /a ", QB_TLS_CERT: "/b", QB_TLS_KEY: "", QB_TOKEN_FILE: "/t" })).toEqual({
      ca: "/a",
      cert: "/b",
      key: undefined,
      tokenFile: "/t",
    });
  });

  it("take options over the environment, one by one", () => {
    expect(mergeAuthFiles({ ca: "/env-ca", cert: "/env-cert", tokenFile: "/env-t" }, { cert: "/opt-cert", key: "/opt-key" })).toEqual({
      ca: "/env-ca",
      cert: "/opt-cert",
      key: "/opt-key",
      tokenFile: "/env-t",
    });
  });

  it("are nothing when nothing is set", () => {
    expect(loadTransportAuth({})).toBeUndefined();
  });

  it("read TLS files and the token without its white space", () => {
    const auth = loadTransportAuth({ ca, cert, key, tokenFile: token })!;
    expect(auth.tls!.ca.toString()).toBe(PEM_CERT);
    expect(auth.tls!.key.toString()).toBe(PEM_KEY);
    expect(auth.token).toBe("0123456789abcdef0123456789abcdef");
    expect(loadTransportAuth({ tokenFile: token })).toEqual({ token: "0123456789abcdef0123456789abcdef" });
  });

  it("refuse part of the TLS set, naming what is missing in the caller's words", () => {
    expect(refusal(() => loadTransportAuth({ ca })).message).toBe(
      "TLS needs a CA, a certificate and its key: QB_TLS_CA is set but not QB_TLS_CERT nor QB_TLS_KEY",
    );
    expect(refusal(() => loadTransportAuth({ cert, key }, { ca: "--tls-ca", cert: "--tls-cert", key: "--tls-key", tokenFile: "--token-file" })).message).toBe(
      "TLS needs a CA, a certificate and its key: --tls-cert and --tls-key are set but not --tls-ca",
    );
  });

  it("refuse a file that cannot be read or is not PEM", () => {
    expect(refusal(() => loadTransportAuth({ ca: join(dir, "nope"), cert, key })).message).toMatch(/^QB_TLS_CA .*nope: cannot read it: ENOENT/);
    expect(refusal(() => loadTransportAuth({ ca, cert, key: cert })).message).toMatch(/^QB_TLS_KEY .*qb\.crt: not a PEM file holding a private key/);
    expect(refusal(() => loadTransportAuth({ ca: key, cert, key })).message).toMatch(/^QB_TLS_CA .*qb\.key: not a PEM file holding a certificate/);
  });

  it("refuse an empty, short or multi-word token", () => {
    expect(refusal(() => loadTransportAuth({ tokenFile: file("empty", "\n") })).message).toMatch(/the file is empty; a token needs at least 16/);
    expect(refusal(() => loadTransportAuth({ tokenFile: file("short", "abc123") })).message).toMatch(/the token has 6 characters; a token needs at least 16/);
    expect(refusal(() => loadTransportAuth({ tokenFile: file("spaces", "0123456789 abcdef0123") })).message).toMatch(
      /a token is one line of printable ASCII without spaces/,
    );
    expect(refusal(() => loadTransportAuth({ tokenFile: file("nl", "0123456789abcdef\n0123456789abcdef") })).message).toMatch(/one line/);
  });
});
