/**
 * The web view's server on real sockets: the events of a run as Server-Sent Events that
 * follow the file, resume after Last-Event-ID with nothing twice and nothing lost, and end
 * once the run is over; the refusal to listen off loopback without a token; the token by
 * query once, then by cookie; the loopback Host check; the log window; the JSON routes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freshDirPerTest } from "../../test/support/temp-dir.js";
import { writeRunRecord } from "../run/run-record.js";
import { MIN_TOKEN_LENGTH, UiAuthConfigError, readTokenFile, sameToken } from "./auth.js";
import type { RunInfo, RunSummary } from "./model/view-types.js";
import { UiServer } from "./server.js";
import { appendEvents, dataOf, HELD_FLOW, irOf, makeRun, readSse } from "../../test/support/ui-runs.js";

const tmp = freshDirPerTest("qb-ui-server-");
let server: UiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ir = irOf(HELD_FLOW);
const ev = (i: number): object => ({ type: "log", level: "info", message: `event ${i}`, time: 1_000 + i });
const FAST = { pollMs: 20, endGraceMs: 50, deadGraceMs: 300 };

async function start(extra: Partial<Parameters<typeof UiServer.start>[0]> = {}): Promise<UiServer> {
  server = await UiServer.start({ cwd: tmp.path, port: 0, stream: FAST, ...extra });
  return server;
}

const messagesOf = (lines: string[]): string[] => lines.map((l) => (JSON.parse(l) as { message: string }).message);
const until = async (cond: () => boolean, ms = 5_000): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("events as Server-Sent Events", () => {
  it("streams the file from the start, follows it as it grows, ids are line numbers, and ends after the run's last event", async () => {
    const dir = makeRun(tmp.path, "r1", ir);
    appendEvents(dir, [ev(1), ev(2), ev(3)]);
    // a run that ended properly ends its stream soon: well before a dead run's grace
    const s = await start({ stream: { ...FAST, deadGraceMs: 3_000 } });
    const sse = readSse(`${s.url()}api/runs/r1/events`);
    await until(() => dataOf(sse.messages).length === 3);
    expect(sse.messages.at(-1)!.id).toBe(3);
    // half a line waits for its end
    writeFileSync(join(dir, "events.ndjson"), JSON.stringify(ev(4)).slice(0, 10), { flag: "a" });
    await new Promise((r) => setTimeout(r, 100));
    expect(dataOf(sse.messages)).toHaveLength(3);
    writeFileSync(join(dir, "events.ndjson"), JSON.stringify(ev(4)).slice(10) + "\n", { flag: "a" });
    await until(() => dataOf(sse.messages).length === 4);
    // still running: no end, however quiet
    await new Promise((r) => setTimeout(r, 400));
    expect(sse.messages.some((m) => m.event === "end")).toBe(false);
    appendEvents(dir, [{ type: "run.finished", runId: "r1", result: {}, elapsedMs: 5, calls: { done: 0, reused: 0, failed: 0 }, time: 2_000 }]);
    writeRunRecord(dir, { id: "r1", flow: ir.flow, status: "finished", pid: process.pid, startedAt: 1_000, finishedAt: Date.now() });
    // the event log's last roll-up comes after run.finished: it is sent too
    appendEvents(dir, [ev(6)]);
    const over = Date.now();
    expect(await sse.ended).toBe("end");
    expect(Date.now() - over).toBeLessThan(1_500);
    expect(messagesOf(dataOf(sse.messages).filter((l) => l.includes('"log"')))).toEqual(["event 1", "event 2", "event 3", "event 4", "event 6"]);
    expect(sse.messages.filter((m) => m.event === "message").at(-1)!.id).toBe(6);
  });

  it("resumes after Last-Event-ID: a dropped stream reconnected gives every line once", async () => {
    const dir = makeRun(tmp.path, "r2", ir);
    appendEvents(
      dir,
      Array.from({ length: 50 }, (_, i) => ev(i + 1)),
    );
    const s = await start({ stream: { ...FAST, batch: 7 } });
    const first = readSse(`${s.url()}api/runs/r2/events`, { stop: (all) => dataOf(all).length >= 21 });
    expect(await first.ended).toBe("stopped");
    const last = first.messages.at(-1)!.id!;
    expect(last).toBe(21);
    appendEvents(
      dir,
      Array.from({ length: 10 }, (_, i) => ev(51 + i)),
    );
    const second = readSse(`${s.url()}api/runs/r2/events`, { lastEventId: last });
    await until(() => dataOf(second.messages).length === 39);
    const all = messagesOf([...dataOf(first.messages), ...dataOf(second.messages)]);
    expect(all).toEqual(Array.from({ length: 60 }, (_, i) => `event ${i + 1}`));
    // the server cuts the stream (as a restart would): the client sees the drop
    expect(s.dropStreams()).toBe(1);
    expect(await second.ended).toBe("dropped");
  });

  it("ends a run that died without its last event once the file stays quiet, sending a last unterminated line", async () => {
    const dir = makeRun(tmp.path, "r3", ir, { status: "running", pid: 2 ** 22 + 12345 });
    appendEvents(dir, [ev(1)]);
    writeFileSync(join(dir, "events.ndjson"), JSON.stringify(ev(2)), { flag: "a" });
    const s = await start();
    const sse = readSse(`${s.url()}api/runs/r3/events`);
    expect(await sse.ended).toBe("end");
    expect(messagesOf(dataOf(sse.messages))).toEqual(["event 1", "event 2"]);
  });

  it("answers an unknown run with 404 and serves only runs of the catalog (no paths)", async () => {
    makeRun(tmp.path, "r4", ir);
    const s = await start();
    expect((await fetch(`${s.url()}api/runs/nope/events`)).status).toBe(404);
    expect((await fetch(`${s.url()}api/runs/${encodeURIComponent("../../etc")}`)).status).toBe(404);
    const runs = (await (await fetch(`${s.url()}api/runs`)).json()) as RunSummary[];
    expect(runs.map((r) => r.id)).toEqual(["r4"]);
    const info = (await (await fetch(`${s.url()}api/runs/r4`)).json()) as RunInfo;
    expect(info.steps.map((x) => x.name)).toEqual(ir.steps.map((x) => x.name));
    expect(info.graph.edges.some((e) => e.feedback)).toBe(true);
  });
});

describe("who may connect", () => {
  const TOKEN = "a".repeat(MIN_TOKEN_LENGTH) + "-secret";

  it("refuses to listen on a non-loopback address without a token, naming the flag", async () => {
    await expect(UiServer.start({ cwd: tmp.path, host: "0.0.0.0", port: 0, tokenFlag: "--ui-token-file" })).rejects.toThrow(UiAuthConfigError);
    await expect(UiServer.start({ cwd: tmp.path, host: "0.0.0.0", port: 0, tokenFlag: "--ui-token-file" })).rejects.toThrow(/--ui-token-file/);
  });

  it("with a token: none or a wrong one is refused; ?token= sets a cookie and leaves the address bar; the cookie then suffices", async () => {
    makeRun(tmp.path, "r5", ir);
    const s = await start({ host: "0.0.0.0", token: TOKEN });
    const base = `http://127.0.0.1:${s.port}`;
    expect((await fetch(`${base}/api/runs`)).status).toBe(401);
    expect((await fetch(`${base}/api/runs?token=${TOKEN}x`)).status).toBe(401);
    expect((await fetch(`${base}/api/runs`, { headers: { cookie: `qb_ui_token=${TOKEN.slice(1)}` } })).status).toBe(401);
    const page = await fetch(`${base}/?run=r5&token=${TOKEN}`, { redirect: "manual" });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/?run=r5");
    const cookie = page.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^qb_ui_token=.+; HttpOnly; SameSite=Strict; Path=\//);
    const withCookie = await fetch(`${base}/api/runs`, { headers: { cookie: cookie.split(";")[0]! } });
    expect(withCookie.status).toBe(200);
    const sse = readSse(`${base}/api/runs/r5/events`, { headers: { cookie: cookie.split(";")[0]! }, stop: () => true });
    expect(await sse.status).toBe(200);
    expect((await fetch(`${base}/api/runs/r5/events`)).status).toBe(401);
  });

  it("on loopback without a token, refuses requests naming another host (DNS rebinding)", async () => {
    const s = await start();
    expect((await fetch(`${s.url()}api/runs`)).status).toBe(200);
    const res = await new Promise<number>((resolve) => {
      void import("node:http").then(({ get }) =>
        get({ host: "127.0.0.1", port: s.port, path: "/api/runs", headers: { host: "evil.example:80" } }, (r) => resolve(r.statusCode!)),
      );
    });
    expect(res).toBe(403);
  });

  it("compares tokens in constant time over digests, and reads token files strictly", () => {
    expect(sameToken(TOKEN, TOKEN)).toBe(true);
    expect(sameToken(TOKEN, TOKEN + "x")).toBe(false);
    expect(sameToken("", TOKEN)).toBe(false);
    writeFileSync(join(tmp.path, "short"), "abc\n");
    writeFileSync(join(tmp.path, "good"), `${TOKEN}\n`);
    expect(() => readTokenFile(join(tmp.path, "short"))).toThrow(/too short/);
    expect(() => readTokenFile(join(tmp.path, "missing"))).toThrow(UiAuthConfigError);
    expect(readTokenFile(join(tmp.path, "good"))).toBe(TOKEN);
  });
});

describe("log windows", () => {
  it("gives a replica's lines around the byte offset of a failure, or the last lines of each replica", async () => {
    const dir = makeRun(tmp.path, "r6", ir);
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    writeFileSync(join(dir, "logs", "w-0.log"), lines.join("\n") + "\n");
    writeFileSync(join(dir, "logs", "w-1.log"), "other\n");
    const offset = lines.slice(0, 50).join("\n").length + 1;
    const s = await start();
    const around = (await (await fetch(`${s.url()}api/runs/r6/log?worker=w&replica=0&offset=${offset}`)).json()) as Array<{
      lines: Array<{ text: string; at: number }>;
      mark: number;
    }>;
    expect(around).toHaveLength(1);
    expect(around[0]!.mark).toBe(offset);
    expect(around[0]!.lines.map((l) => l.text)).toEqual(lines.slice(30, 70));
    expect(around[0]!.lines.find((l) => l.at === offset)!.text).toBe("line 50");
    const tails = (await (await fetch(`${s.url()}api/runs/r6/log?worker=w`)).json()) as Array<{ replica: number; lines: Array<{ text: string }> }>;
    expect(tails.map((t) => [t.replica, t.lines.at(-1)!.text, t.lines.length])).toEqual([
      [0, "line 99", 20],
      [1, "other", 1],
    ]);
  });
});
