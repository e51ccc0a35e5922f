import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AuthConfigError, transportAuth } from "./transport.js";

const dir = mkdtempSync(join(tmpdir(), "qb-run-auth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => (writeFileSync(join(dir, name), text), join(dir, name));

describe("transportAuth (the library's RunOptions.auth)", () => {
  it("reads the files given, each defaulting to its QB_* variable", () => {
    const envToken = file("env-token", "env-token-0123456789");
    const given = file("given-token", "given-token-0123456789");
    expect(transportAuth({}, { QB_TOKEN_FILE: envToken })).toEqual({ token: "env-token-0123456789" });
    expect(transportAuth({ tokenFile: given }, { QB_TOKEN_FILE: envToken })).toEqual({ token: "given-token-0123456789" });
    expect(transportAuth({}, {})).toBeUndefined();
    expect(() => transportAuth({ ca: file("ca.crt", "-----BEGIN CERTIFICATE-----\n") }, {})).toThrow(AuthConfigError);
  });
});
