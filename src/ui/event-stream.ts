/**
 * A run's events.ndjson as Server-Sent Events: from the start (or after the line a
 * reconnecting EventSource names in Last-Event-ID), then following the file as it grows.
 * Each message carries a batch of lines, one `data:` field per event, and the number of
 * its last line as its id, so a reconnect resumes exactly after what the page has. The
 * stream ends (an `end` message) once the run is no longer running and the file has
 * stopped growing: after its last event (run.finished and the event log's last roll-up), or
 * a while after the run died without one.
 */
import type { ServerResponse } from "node:http";
import { GrowingFile } from "../common/growing-file.js";
import { readRunRecord } from "../run/run-record.js";
import { eventsPath } from "./run-data.js";
import { END_TYPES } from "./model/ui-events.js";

export interface StreamOptions {
  /** How often the file is read for new lines. */
  pollMs?: number;
  /** Lines per message at most. */
  batch?: number;
  /** Quiet time after the run's last event before the stream ends (the event log writes a last roll-up after it). */
  endGraceMs?: number;
  /** Quiet time before a run that ended without a last event (killed) is taken as over. */
  deadGraceMs?: number;
  heartbeatMs?: number;
}

/** The line number a reconnect resumes after: Last-Event-ID, a non-negative integer, else 0. */
export function resumeAfter(lastEventId: string | string[] | undefined): number {
  const v = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
  return v !== undefined && /^\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : 0;
}

/**
 * One SSE message: the events of `lines` as one JSON array on a single data field (a
 * browser parses one line, not one per event), `id` the number of the last line.
 */
export function sseMessage(id: number, lines: string[]): string {
  return `id: ${id}\ndata: [${lines.join(",")}]\n\n`;
}

/** A line the event log wrote whole (a line torn by a crash would spoil the batch's array). */
const whole = (l: string): boolean => l.startsWith("{") && l.endsWith("}");

export interface EventStream {
  /** Ends the stream without an `end` message (the client reconnects). */
  drop(): void;
  done: Promise<void>;
}

export function streamEvents(res: ServerResponse, dir: string, after: number, options: StreamOptions = {}): EventStream {
  const pollMs = options.pollMs ?? 200;
  const batch = options.batch ?? 1000;
  const endGrace = options.endGraceMs ?? 400;
  const deadGrace = options.deadGraceMs ?? 2000;
  const reader = new GrowingFile(eventsPath(dir));
  let line = 0;
  let sawEnd = false;
  let quietSince = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));

  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
  // reconnect soon after a drop
  res.write(`retry: 1000\n\n`);
  const heartbeat = setInterval(() => res.write(": ping\n\n"), options.heartbeatMs ?? 15_000);

  const stop = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    clearInterval(heartbeat);
    finish();
  };
  res.on("close", stop);

  /** Sends the new lines; false when the socket wants a drain first. */
  const send = (lines: string[]): boolean => {
    let ok = true;
    let pending: string[] = [];
    const flush = (): void => {
      if (pending.length) ok = res.write(sseMessage(line, pending)) && ok;
      pending = [];
    };
    for (const l of lines) {
      line++;
      if (line <= after) continue;
      if (!whole(l)) continue;
      if (!sawEnd && l.includes('"type":"run.')) sawEnd = endsRun(l);
      pending.push(l);
      if (pending.length >= batch) flush();
    }
    flush();
    return ok;
  };

  const tick = (): void => {
    if (closed) return;
    const lines = reader.lines();
    const ok = send(lines);
    const now = Date.now();
    if (lines.length > 0) quietSince = now;
    else {
      const record = readRunRecord(dir);
      const running = record?.status === "running";
      const quiet = now - quietSince;
      if (
        !running &&
        ((sawEnd && quiet >= endGrace) || quiet >= deadGrace || (record?.finishedAt !== undefined && now - record.finishedAt > 5_000 && sawEnd))
      ) {
        // a last line the run never ended (killed mid-write) is sent if it is an event
        const rest = reader.rest();
        if (rest) send(rest.filter((l) => isJson(l)));
        res.end(`event: end\ndata: {}\n\n`);
        return stop();
      }
    }
    // lines() read to the end of the file: the next read waits a poll either way, so a fast
    // run's reader costs the quarterback's event loop a few reads a second, not one per write
    if (ok) timer = setTimeout(tick, pollMs);
    else res.once("drain", () => (timer = setTimeout(tick, pollMs)));
  };
  tick();
  return {
    drop: () => {
      res.destroy();
      stop();
    },
    done,
  };
}

function endsRun(line: string): boolean {
  try {
    return END_TYPES.has((JSON.parse(line) as { type: string }).type);
  } catch {
    return false;
  }
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
