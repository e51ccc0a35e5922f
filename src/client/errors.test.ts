import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { GRPC_STATUS_NAMES, GRPC_UNIMPLEMENTED, GRPC_UNKNOWN, TransportError } from "./errors.js";

describe("gRPC status names written out in errors.ts", () => {
  it("match grpc-js's status enum, code for code", () => {
    const fromGrpc = Object.entries(status)
      .filter(([, v]) => typeof v === "number")
      .sort((a, b) => (a[1] as number) - (b[1] as number))
      .map(([k]) => k);
    expect([...GRPC_STATUS_NAMES]).toEqual(fromGrpc);
    expect(GRPC_UNKNOWN).toBe(status.UNKNOWN);
    expect(GRPC_UNIMPLEMENTED).toBe(status.UNIMPLEMENTED);
  });

  it("name a transport error's code", () => {
    expect(new TransportError("x", { grpcCode: status.UNAVAILABLE }).grpcCodeName).toBe("UNAVAILABLE");
    expect(new TransportError("x").grpcCodeName).toBe("UNKNOWN");
  });
});
