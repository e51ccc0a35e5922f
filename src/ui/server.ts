/**
 * The web view's HTTP server (node:http, no framework): the page, and a JSON and SSE API
 * that reads run directories only.
 *
 *   GET /                            the page (`?run=ID` opens that run; else the newest)
 *   GET /app.js                      the page's script
 *   GET /api/runs                    the runs: RunSummary[], newest first
 *   GET /api/runs/ID                 RunInfo: the run, its steps, the graph laid out
 *   GET /api/runs/ID/events          its events.ndjson as Server-Sent Events (event-stream.ts)
 *   GET /api/runs/ID/log?worker=W[&replica=N][&offset=B]
 *                                    LogExcerpt[]: a replica's lines around byte B, or the
 *                                    last lines of the worker's replicas
 *
 * Bound to 127.0.0.1 unless told otherwise; anywhere else it needs a token (auth.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { workerLogs } from "../run/run-dir-files.js";
import { admit, checkBinding, tokenCookie } from "./auth.js";
import { resumeAfter, streamEvents, type EventStream, type StreamOptions } from "./event-stream.js";
import { pageHtml } from "./html.js";
import { readLogWindow } from "./log-window.js";
import type { LogExcerpt, RunSummary } from "./model/view-types.js";
import { pageBundle } from "./page-asset.js";
import { RunCatalog, RunUnreadableError, runInfo, summaryOf } from "./run-data.js";

export interface UiServerOptions {
  /** The folder whose .qb/runs are served. */
  cwd: string;
  /** Run directories outside it to serve too (`qb run --run-dir`). */
  runDirs?: string[];
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Required off loopback. */
  token?: string;
  /** The flag that gives the token, for the refusal's message. */
  tokenFlag?: string;
  stream?: StreamOptions;
}

export class UiServeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UiServeError";
  }
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";

export class UiServer {
  private readonly streams = new Set<EventStream>();

  private constructor(
    private readonly server: Server,
    private readonly catalog: RunCatalog,
    readonly host: string,
    readonly port: number,
    private readonly hasToken: boolean,
  ) {}

  static async start(options: UiServerOptions): Promise<UiServer> {
    const host = options.host ?? "127.0.0.1";
    checkBinding(host, options.token, options.tokenFlag ?? "a token");
    const catalog = new RunCatalog(options.cwd, options.runDirs ?? []);
    let self: UiServer | undefined;
    const server = createServer((req, res) => {
      try {
        handle(req, res);
      } catch (err) {
        if (!res.headersSent) send(res, 500, { error: err instanceof Error ? err.message : String(err) });
        else res.destroy();
      }
    });
    const handle = (req: IncomingMessage, res: ServerResponse): void => {
      const url = new URL(req.url ?? "/", "http://ui.invalid");
      const verdict = admit(req, url, { token: options.token, host });
      if (!verdict.ok) return send(res, verdict.status, { error: verdict.why });
      if (verdict.setCookie) {
        res.setHeader("set-cookie", tokenCookie(options.token!));
        // the token leaves the address bar (and the history) once it is a cookie
        if (req.method === "GET" && !url.pathname.startsWith("/api/")) {
          url.searchParams.delete("token");
          res.writeHead(303, { location: url.pathname + url.search, ...SECURITY_HEADERS });
          return void res.end();
        }
      }
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, { error: "only GET" });
      const path = url.pathname;
      if (path === "/" || path === "/index.html") {
        const html = pageHtml({ title: "qb", script: { src: "/app.js" } });
        res.writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": PAGE_CSP,
          "cache-control": "no-store",
          ...SECURITY_HEADERS,
        });
        return void res.end(html);
      }
      if (path === "/favicon.ico") return void res.writeHead(204, SECURITY_HEADERS).end();
      if (path === "/app.js") {
        res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store", ...SECURITY_HEADERS });
        return void res.end(pageBundle());
      }
      if (path === "/api/runs")
        return send(
          res,
          200,
          catalog.list().map((r): RunSummary => summaryOf(r.record)),
        );
      const m = /^\/api\/runs\/([^/]+)(?:\/(events|log))?$/.exec(path);
      if (!m) return send(res, 404, { error: `no such page: ${path}` });
      const id = decodeURIComponent(m[1]!);
      const run = catalog.find(id);
      if (!run) return send(res, 404, { error: `no run ${id}` });
      if (m[2] === undefined) {
        try {
          return send(res, 200, runInfo(run.dir));
        } catch (err) {
          if (err instanceof RunUnreadableError) return send(res, 404, { error: err.message });
          throw err;
        }
      }
      if (m[2] === "events") {
        const stream = streamEvents(res, run.dir, resumeAfter(req.headers["last-event-id"] ?? url.searchParams.get("after") ?? undefined), options.stream);
        self?.streams.add(stream);
        void stream.done.then(() => self?.streams.delete(stream));
        return;
      }
      return send(res, 200, logExcerpts(run.dir, url.searchParams));
    };
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err: NodeJS.ErrnoException) =>
        reject(
          new UiServeError(
            `cannot serve the web view on ${host}:${options.port ?? 0}: ${err.code === "EADDRINUSE" ? "the port is in use (give another with --port)" : err.message}`,
            { cause: err },
          ),
        ),
      );
      server.listen(options.port ?? 0, host, () => resolve());
    });
    self = new UiServer(server, catalog, host, (server.address() as AddressInfo).port, options.token !== undefined);
    return self;
  }

  /** Serves the run in `dir` too (`qb run --ui` starts the server before its run directory exists). */
  addRun(dir: string): void {
    this.catalog.add(dir);
  }

  /** The page's address (without the token: its owner has it in a file). */
  url(runId?: string): string {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}/${runId ? `?run=${encodeURIComponent(runId)}` : ""}`;
  }

  get needsToken(): boolean {
    return this.hasToken;
  }

  /** Cuts every open event stream (the pages reconnect): for tests of a dropped connection. */
  dropStreams(): number {
    const n = this.streams.size;
    for (const s of [...this.streams]) s.drop();
    return n;
  }

  async close(): Promise<void> {
    this.dropStreams();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...SECURITY_HEADERS });
  res.end(JSON.stringify(body));
}

/** The log lines a failed call's panel shows: around `offset` of one replica's log, or the tails of the worker's logs. */
export function logExcerpts(dir: string, q: URLSearchParams): LogExcerpt[] {
  const worker = q.get("worker");
  const replica = q.get("replica");
  const offset = q.get("offset");
  const logs = workerLogs(dir).filter((l) => l.worker === worker && (replica === null || String(l.replica) === replica));
  return logs.flatMap((l) => {
    const at = offset !== null && replica !== null && /^\d+$/.test(offset) ? Number(offset) : undefined;
    const w = readLogWindow(l.path, at === undefined ? {} : { offset: at });
    return w ? [{ worker: l.worker, replica: l.replica, lines: w.lines, mark: w.mark }] : [];
  });
}
