/** A method that reads a land reference whose file is not what it says fails INVALID_ARGUMENT, naming what differs. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTest, type TestWorker } from "../../test/worker-fixtures/in-process.js";
import { RemoteCallError } from "../client/errors.js";
import { LandRef } from "../land/ref.js";
import type { CallContext } from "./types.js";

let w: TestWorker;
beforeAll(async () => {
  w = await serveForTest({
    write: (input: { path: string; text: string }, ctx: CallContext) => ctx.land.writeFile(input.path, input.text),
    read: (ref: LandRef, ctx: CallContext) => ctx.land.readText(ref),
  });
});
afterAll(() => w.close());

async function refused(ref: LandRef): Promise<RemoteCallError> {
  const e = await w.client.invoke("read", ref).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(RemoteCallError);
  return e as RemoteCallError;
}

describe("ctx.land reading a reference that does not match its file", () => {
  it.each([
    ["size", (r: LandRef) => new LandRef(r.path, 1, r.sha256, r.mediaType, undefined, r.xxh128), "size is 5 bytes, the reference says 1"],
    ["xxh128", (r: LandRef) => new LandRef(r.path, r.size, "", r.mediaType, undefined, "0".repeat(32)), `xxh128 is `],
    ["sha256", (r: LandRef) => new LandRef(r.path, r.size, "0".repeat(64), r.mediaType), `the reference says ${"0".repeat(64)}`],
  ])("a wrong %s: INVALID_ARGUMENT, LandRefMismatchError", async (_, forge, says) => {
    const ref = (await w.client.invoke("write", { path: "d/x.txt", text: "hello" })) as LandRef;
    await expect(w.client.invoke("read", ref)).resolves.toBe("hello");
    const e = await refused(forge(ref));
    expect(e).toMatchObject({ code: "INVALID_ARGUMENT", remoteType: "LandRefMismatchError", retryable: false });
    expect(e.message).toContain('"d/x.txt"');
    expect(e.message).toContain(says);
  });

  it("a file changed after its reference was made", async () => {
    const ref = (await w.client.invoke("write", { path: "changed.txt", text: "hello" })) as LandRef;
    await writeFile(join(w.land, "changed.txt"), "HELLO");
    expect(await refused(ref)).toMatchObject({ code: "INVALID_ARGUMENT", remoteType: "LandRefMismatchError" });
  });
});
