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

  it("dispatch settles through its outcome: a result, a worker's error, a broken stream, an input that could not be spilled", async () => {
    const { stream, written, receive } = fakeStream();
    const session = new SessionClient(stream);
    const seen: string[] = [];
    const outcome = {
      succeeded: (v: unknown) => (seen.push(`ok ${String(v)}`), `ok ${String(v)}`),
      failed: (err: unknown) => (seen.push(`failed ${(err as Error).message}`), Promise.reject(err)),
    };
    const ac = new AbortController();
    const options = { attempt: 2, timeoutMs: null, signal: ac.signal, step: "xs" };
    const ok = session.dispatch("m", 1, options, outcome);
    expect(written[0]).toMatchObject({ callId: "c1", start: { method: "m", input: { json: "1" }, timeoutMs: 0, attempt: 2 } });
    expect(session.about("c1")).toEqual({ method: "m", attempt: 2, input: 1, tag: "xs" });
    receive({ callId: "c1", result: { json: "5", kind: "json" }, msg: "result" });
    await expect(ok).resolves.toBe("ok 5");

    // the options' signal cancels the call on the worker
    const remote = session.dispatch("m", 2, options, outcome);
    ac.abort(new Error("run stopped"));
    expect(written.at(-1)).toEqual({ callId: "c2", cancel: { reason: "run stopped" } });
    receive({ callId: "c2", error: { code: "ERROR_CODE_CANCELLED", message: "cancelled", details: "", retryable: false, type: "" }, msg: "error" });
    await expect(remote).rejects.toMatchObject({ code: "CANCELLED" });

    // an input over the limit whose spill fails: the outcome is told, nothing is sent
    session.inputSpill = { maxInlineBytes: 4, spill: () => Promise.reject(new Error("land full")) };
    const sent = written.length;
    await expect(session.dispatch("m", "a long input", { attempt: 1, timeoutMs: null }, outcome)).rejects.toThrow("land full");
    expect(written.length).toBe(sent);
    session.inputSpill = undefined;

    const broken = session.dispatch("m", 3, { attempt: 1, timeoutMs: null }, outcome);
    stream.emit("error", Object.assign(new Error("gone"), { details: "gone" }));
    await expect(broken).rejects.toThrow("session: gone");
    expect(seen).toEqual(["ok 5", "failed cancelled", "failed land full", "failed session: gone"]);
  });

  it("dispatch never throws once the call is registered: it ends once, through its outcome", async () => {
    const { stream, written, receive } = fakeStream();
    const session = new SessionClient(stream);
    // as the replica counts: one up per dispatch, one down per end, whether thrown or settled
    let inFlight = 0;
    const outcome = {
      succeeded: (v: unknown) => (inFlight--, v),
      failed: (err: unknown) => (inFlight--, Promise.reject(err)),
    };
    const call = (input: number, signal?: AbortSignal): Promise<unknown> => {
      inFlight++;
      try {
        return session.dispatch("m", input, { attempt: 1, timeoutMs: null, signal }, outcome);
      } catch (err) {
        inFlight--;
        return Promise.reject(err);
      }
    };

    // a signal whose reason cannot be made text: the cancel goes out all the same
    const ac = new AbortController();
    ac.abort(Object.create(null));
    const cancelled = call(1, ac.signal);
    expect(written.at(-1)).toEqual({ callId: "c1", cancel: { reason: "cancelled" } });
    receive({ callId: "c1", error: { code: "ERROR_CODE_CANCELLED", message: "cancelled", details: "", retryable: false, type: "" }, msg: "error" });
    await expect(cancelled).rejects.toMatchObject({ code: "CANCELLED" });
    expect(inFlight).toBe(0);

    // a stream that throws on the start: the call fails through its outcome, and is gone
    const write = stream.write;
    stream.write = (() => {
      throw new Error("write broke");
    }) as never;
    const failed = call(2);
    await expect(failed).rejects.toThrow("write broke");
    expect(inFlight).toBe(0);
    stream.write = write;
    // an answer for it now finds no call: nothing ends twice
    receive({ callId: "c2", result: { json: "2", kind: "json" }, msg: "result" });
    expect(inFlight).toBe(0);
    expect(session.about("c2")).toBeUndefined();
  });
});
