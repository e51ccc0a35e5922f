/**
 * For the web view's unit tests: run directories written by hand (run.json, flow.json,
 * events.ndjson, logs/) and a small Server-Sent Events client.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { compile } from "../../src/dsl/compile.js";
import type { FlowIR } from "../../src/ir/types.js";
import { writeRunRecord, type RunRecord } from "../../src/run/run-record.js";

export function irOf(text: string): FlowIR {
  const r = compile(text, { file: "t.flow", params: {} });
  if (!r.ir) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.ir;
}

export const HELD_FLOW = `flow loop() {
  worker w { run "node w.js" replicas 2 }
  start = [0] | w.echo
  h     = [{n: 3}] | w.rounds hold
  r     = h | gather by round
  more  = r | w.echo | flatten
  go    = merge(start, more)
  h <- go as "go"
  emit r
}
`;

/** `.qb/runs/<id>/` under `cwd`, running (this process's pid) unless `record` says otherwise. */
export function makeRun(cwd: string, id: string, ir: FlowIR, record: Partial<RunRecord> = {}): string {
  const dir = join(cwd, ".qb", "runs", id);
  mkdirSync(join(dir, "logs"), { recursive: true });
  writeRunRecord(dir, { id, flow: ir.flow, status: "running", pid: process.pid, startedAt: 1_000, ...record });
  writeFileSync(join(dir, "flow.json"), JSON.stringify(ir));
  writeFileSync(join(dir, "events.ndjson"), "");
  return dir;
}

export function appendEvents(dir: string, events: object[]): void {
  appendFileSync(join(dir, "events.ndjson"), events.map((e) => JSON.stringify(e) + "\n").join(""));
}

export interface SseMessage {
  id: number | null;
  event: string;
  data: string[];
}

/** Reads an event stream until it ends, `stop` says so, or the connection drops. */
export function readSse(
  url: string,
  options: { lastEventId?: number; stop?: (all: SseMessage[]) => boolean; headers?: Record<string, string> } = {},
): { messages: SseMessage[]; ended: Promise<"end" | "stopped" | "dropped">; status: Promise<number> } {
  const messages: SseMessage[] = [];
  let setStatus!: (n: number) => void;
  const status = new Promise<number>((r) => (setStatus = r));
  const ended = new Promise<"end" | "stopped" | "dropped">((resolve) => {
    const req = request(
      url,
      { headers: { ...(options.lastEventId !== undefined ? { "last-event-id": String(options.lastEventId) } : {}), ...options.headers } },
      (res) => {
        setStatus(res.statusCode ?? 0);
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          let cut: number;
          while ((cut = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            const m: SseMessage = { id: null, event: "message", data: [] };
            for (const line of block.split("\n")) {
              if (line.startsWith("id: ")) m.id = Number(line.slice(4));
              else if (line.startsWith("event: ")) m.event = line.slice(7);
              else if (line.startsWith("data: ")) m.data.push(line.slice(6));
            }
            if (m.data.length === 0 && m.event === "message") continue;
            messages.push(m);
            if (m.event === "end") return resolve("end");
            if (options.stop?.(messages)) {
              req.destroy();
              return resolve("stopped");
            }
          }
        });
        res.on("close", () => resolve("dropped"));
      },
    );
    req.on("error", () => resolve("dropped"));
    req.end();
  });
  return { messages, ended, status };
}

/** The events of messages (each a JSON array of events), in order, as JSON lines again. */
export const dataOf = (ms: SseMessage[]): string[] =>
  ms.filter((m) => m.event === "message").flatMap((m) => (JSON.parse(m.data.join("\n")) as object[]).map((e) => JSON.stringify(e)));
