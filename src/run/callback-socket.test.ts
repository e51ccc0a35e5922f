import { describe, expect, it } from "vitest";
import { CallbackSocketError, checkCallbackSocket } from "./callback-socket.js";

describe("callback socket", () => {
  it.each(["/qb/quarterback.sock", "/tmp/x/cb.sock", "/" + "a".repeat(106)])("allows %s", (p) => {
    expect(() => checkCallbackSocket(p)).not.toThrow();
  });

  it.each([
    ["qb.sock", "give an absolute path"],
    ["unix:/qb/quarterback.sock", "give an absolute path"],
    ["/qb/", "names a folder"],
    ["/qb/a\0b", "NUL"],
    ["/" + "a".repeat(107), "108 bytes long"],
  ])("refuses %j", (p, why) => {
    expect(() => checkCallbackSocket(p)).toThrow(CallbackSocketError);
    expect(() => checkCallbackSocket(p)).toThrow(why);
  });
});
