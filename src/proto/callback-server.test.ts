import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WorkerClient } from "../client/worker-client.js";
import { serveCallback } from "./callback-server.js";

const dir = mkdtempSync(join(tmpdir(), "qb-callback-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the callback server", () => {
  it("serves the standard health service beside the Quarterback service, on a unix socket", async () => {
    const server = await serveCallback({ report: () => ({ runCancelled: false }) }, `unix:${join(dir, "cb.sock")}`);
    const client = new WorkerClient(server.address);
    try {
      expect(server.address).toBe(`unix:${join(dir, "cb.sock")}`);
      expect(await client.health("")).toBe("SERVING");
      expect(await client.health("quarterback.v1.Quarterback")).toBe("SERVING");
    } finally {
      client.close();
      await server.close();
    }
  });
});
