/** A Session stream's messages reach their calls; one a call cannot take fails that call alone. */
import { EventEmitter } from "node:events";
import type * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import type { SessionInMsg, SessionOutMsg } from "../proto/messages.js";
import { SessionClient } from "./session-client.js";

/** The stream's side the client uses: what it writes is kept, what the test emits is "received". */
function fakeStream(): { stream: grpc.ClientDuplexStream<SessionInMsg, SessionOutMsg>; written: SessionInMsg[]; receive(frame: SessionOutMsg): void } {
  const e = new EventEmitter();
  const written: SessionInMsg[] = [];
  const stream = Object.assign(e, {
    write: (m: SessionInMsg) => void written.push(m),
    end: () => undefined,
    cancel: () => undefined,
  }) as unknown as grpc.ClientDuplexStream<SessionInMsg, SessionOutMsg>;
  return { stream, written, receive: (frame) => void e.emit("data", frame) };
}

describe("SessionClient", () => {
  it("a yield that does not decode fails its call, tells the worker to stop it, and the rest of the frame still arrives", async () => {
    const { stream, written, receive } = fakeStream();
    const session = new SessionClient(stream);
    const held = session.start("m", 1, { onYield: () => undefined });
    const plain = session.request("m", 2);
    const noHash = { land: { path: "x.bin", size: 1, sha256: "", xxh128: "", mediaType: "" } };
    receive({
      callId: "",
      batch: [
        { callId: held.id, yielded: { value: noHash, round: 1 }, msg: "yielded" },
        { callId: "c2", result: { json: "2", kind: "json" }, msg: "result" },
      ],
    });
    await expect(held.result).rejects.toThrow('bad land reference "x.bin": it carries no hash (sha256 or xxh128)');
    await expect(plain).resolves.toBe(2);
    expect(written.at(-1)).toMatchObject({ callId: held.id, cancel: { reason: expect.stringContaining("could not take a message of this call") } });
    expect(session.stray).toEqual([]);
  });

  it("a callback that throws fails its own call the same way", async () => {
    const { stream, receive } = fakeStream();
    const session = new SessionClient(stream);
    const call = session.start("m", 1, {
      onProgress: () => {
        throw new Error("callback broke");
      },
    });
    receive({ callId: call.id, progress: { fraction: 0.5, message: "" }, msg: "progress" });
    await expect(call.result).rejects.toThrow("callback broke");
  });
});
