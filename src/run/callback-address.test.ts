import { describe, expect, it } from "vitest";
import { CallbackAddressError, checkCallbackAddress } from "./callback-address.js";

describe("callback address", () => {
  it.each(["unix:/qb/quarterback.sock", "127.0.0.1:9100", "127.1.2.3:0", "localhost:9100", "[::1]:9100"])("allows %s", (a) => {
    expect(() => checkCallbackAddress(a)).not.toThrow();
  });

  it.each([
    ["0.0.0.0:9100", "not a loopback address"],
    ["10.0.0.5:9100", "not a loopback address"],
    ["quarterback.default.svc:9100", "not a loopback address"],
    ["[::]:9100", "not a loopback address"],
    ["unix:qb.sock", "absolute path"],
    ["127.0.0.1", "expected unix:/path/to.sock or host:port"],
    ["127.0.0.1:99999", "0 to 65535"],
  ])("refuses %s", (a, why) => {
    expect(() => checkCallbackAddress(a)).toThrow(CallbackAddressError);
    expect(() => checkCallbackAddress(a)).toThrow(why);
  });
});
