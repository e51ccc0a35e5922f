import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindServer } from "./bind.js";
import { HealthService } from "./health-service.js";
import { loadProtos } from "./load.js";
import type { HealthCheckResponseMsg, HealthStatus } from "./messages.js";

interface RawHealth extends grpc.Client {
  Check(req: { service: string }, cb: (err: grpc.ServiceError | null, res?: HealthCheckResponseMsg) => void): void;
  Watch(req: { service: string }): grpc.ClientReadableStream<HealthCheckResponseMsg>;
  List(req: object, cb: (err: grpc.ServiceError | null, res?: { statuses: Record<string, HealthCheckResponseMsg> }) => void): void;
}

const health = new HealthService({ "": "SERVING", "quarterback.v1.Worker": "NOT_SERVING" });
const server = new grpc.Server();
let client: RawHealth;

beforeAll(async () => {
  health.addToServer(server);
  const address = await bindServer(server, "127.0.0.1:0");
  client = new (loadProtos().HealthClient)(address, grpc.credentials.createInsecure()) as unknown as RawHealth;
});
afterAll(async () => {
  client.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

const check = (service: string): Promise<HealthStatus> =>
  new Promise((resolve, reject) => client.Check({ service }, (err, res) => (err ? reject(err) : resolve(res!.status))));

describe("HealthService (grpc.health.v1)", () => {
  it("Check answers each known service's status and NOT_FOUND for others", async () => {
    expect(await check("")).toBe("SERVING");
    expect(await check("quarterback.v1.Worker")).toBe("NOT_SERVING");
    await expect(check("nope")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: expect.stringContaining('"nope"') });
  });

  it("Watch sends the current status, then every change; SERVICE_UNKNOWN for a service not yet known", async () => {
    const seen: HealthStatus[] = [];
    const stream = client.Watch({ service: "later" });
    const got = (n: number): Promise<void> =>
      new Promise((resolve) => {
        const poll = (): void => (seen.length >= n ? resolve() : void setTimeout(poll, 5));
        poll();
      });
    stream.on("data", (m: HealthCheckResponseMsg) => seen.push(m.status));
    stream.on("error", () => {});
    await got(1);
    health.setStatus("later", "SERVING");
    await got(2);
    health.setStatus("later", "NOT_SERVING");
    await got(3);
    stream.cancel();
    expect(seen).toEqual(["SERVICE_UNKNOWN", "SERVING", "NOT_SERVING"]);
    expect(await check("later")).toBe("NOT_SERVING");
  });

  it("shutdown tells watchers NOT_SERVING and ends their streams, so the server can shut down gracefully", async () => {
    const own = new HealthService({ w: "SERVING" });
    const server2 = new grpc.Server();
    own.addToServer(server2);
    const address = await bindServer(server2, "127.0.0.1:0");
    const client2 = new (loadProtos().HealthClient)(address, grpc.credentials.createInsecure()) as unknown as RawHealth;
    const seen: HealthStatus[] = [];
    const stream = client2.Watch({ service: "w" });
    stream.on("data", (m: HealthCheckResponseMsg) => seen.push(m.status));
    const ended = new Promise<string>((resolve) => {
      stream.on("end", () => resolve("end"));
      stream.on("error", (e) => resolve(`error ${e.message}`));
    });
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    own.shutdown();
    expect(await ended).toBe("end");
    expect(seen).toEqual(["SERVING", "NOT_SERVING"]);
    // a Watch that comes after the shutdown gets the status and its end at once
    const late: HealthStatus[] = [];
    const lateStream = client2.Watch({ service: "w" });
    lateStream.on("data", (m: HealthCheckResponseMsg) => late.push(m.status));
    await new Promise<void>((resolve) => lateStream.on("end", () => resolve()));
    expect(late).toEqual(["NOT_SERVING"]);
    const t0 = Date.now();
    await new Promise<void>((resolve) => server2.tryShutdown(() => resolve()));
    expect(Date.now() - t0).toBeLessThan(1_000);
    client2.close();
  });

  it("List gives every service with its status", async () => {
    const statuses = await new Promise<Record<string, HealthCheckResponseMsg>>((resolve, reject) =>
      client.List({}, (err, res) => (err ? reject(err) : resolve(res!.statuses))),
    );
    expect(statuses[""]).toEqual({ status: "SERVING" });
    expect(statuses["quarterback.v1.Worker"]).toEqual({ status: "NOT_SERVING" });
  });
});
