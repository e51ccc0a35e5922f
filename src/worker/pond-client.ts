/**
 * `ctx.pond`: SQL on the pod's pond, through the quarterback's callback service
 * (QB_CALLBACK). The quarterback owns the pond (an embedded pond admits one writing
 * process); rows come back in batches.
 */
import { rm } from "node:fs/promises";
import * as grpc from "@grpc/grpc-js";
import { clientSetup } from "../proto/credentials.js";
import { loadProtos } from "../proto/load.js";
import type { TransportAuth } from "../proto/transport-auth.js";
import { readArrowColumns, type PondColumns } from "../land/arrow-columns.js";
import type { Land } from "../land/land.js";
import { LandRef } from "../land/ref.js";
import type { PondColumnsReplyMsg, PondQueryRequestMsg, PondRowsMsg } from "../proto/messages.js";
import { CALLBACK_CHANNEL_OPTIONS } from "./reporter.js";
import type { Json } from "./types.js";

export type PondRow = Record<string, Json>;
export type { PondColumns };

export interface PondAccess {
  /** Every row of a query (`:name` parameters bound from `params`). */
  query(sql: string, params?: Record<string, unknown>): Promise<PondRow[]>;
  /** The rows of a query in batches, for results too big to hold at once. */
  stream(sql: string, params?: Record<string, unknown>, options?: { batchSize?: number; signal?: AbortSignal }): AsyncIterable<PondRow[]>;
  /**
   * A query's whole result as columns, one typed array each: the quarterback writes it to
   * the land as an Arrow file, read here by reference (needs the land, QB_LAND). For numbers
   * at scale: no JSON and no object per row.
   */
  columns(sql: string, params?: Record<string, unknown>): Promise<PondColumns>;
}

/**
 * The pond query failed: bad SQL or parameters, no pond in this run (not retryable: the
 * same query fails the same way), or no quarterback to ask (retryable). A method that lets
 * it through fails its call with this flag.
 */
export class PondQueryError extends Error {
  readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options);
    this.name = "PondQueryError";
    this.retryable = options?.retryable ?? true;
  }
}

/** What the callback service answers for a query it refuses (docs/worker-protocol.md §10). */
const REFUSED = new Set<number>([grpc.status.INVALID_ARGUMENT, grpc.status.FAILED_PRECONDITION]);

type RawClient = grpc.Client & {
  PondQuery(req: PondQueryRequestMsg, metadata: grpc.Metadata): grpc.ClientReadableStream<PondRowsMsg>;
  PondColumns(
    req: PondQueryRequestMsg,
    metadata: grpc.Metadata,
    callback: (err: grpc.ServiceError | null, reply?: PondColumnsReplyMsg) => void,
  ): grpc.ClientUnaryCall;
};

/** What a call adds to its queries: its id (for the quarterback's logs) and its abort signal. */
export interface PondQueryOptions {
  batchSize?: number;
  signal?: AbortSignal;
  callId?: string;
}

export class WorkerPond implements PondAccess {
  private client: RawClient | undefined;

  constructor(
    private readonly address: string | null,
    private readonly identity: { worker: string; replica: number },
    private readonly auth?: TransportAuth,
    /** The land the quarterback writes column files to (`columns` reads them there). */
    private readonly land?: () => Land,
  ) {}

  async query(sql: string, params: Record<string, unknown> = {}, options: PondQueryOptions = {}): Promise<PondRow[]> {
    const all: PondRow[] = [];
    for await (const rows of this.stream(sql, params, options)) all.push(...rows);
    return all;
  }

  private connect(): RawClient {
    if (this.address === null)
      throw new PondQueryError("no pond here: the worker was started without QB_CALLBACK (the quarterback serves the pond)", { retryable: false });
    if (!this.client) {
      const { QuarterbackClient } = loadProtos();
      const setup = clientSetup(this.auth, this.address);
      this.client = new QuarterbackClient(this.address, setup.credentials, {
        ...CALLBACK_CHANNEL_OPTIONS,
        "grpc.max_receive_message_length": -1,
        ...setup.options,
      }) as unknown as RawClient;
    }
    return this.client;
  }

  private request(sql: string, params: Record<string, unknown>, options: PondQueryOptions): PondQueryRequestMsg {
    return {
      sql,
      paramsJson: JSON.stringify(params),
      batchSize: options.batchSize ?? 1000,
      callId: options.callId ?? "",
      worker: this.identity.worker,
      replica: this.identity.replica,
    };
  }

  async columns(sql: string, params: Record<string, unknown> = {}, options: PondQueryOptions = {}): Promise<PondColumns> {
    const client = this.connect();
    // the land is checked first: without one the file could not be read
    let land: Land | undefined;
    try {
      land = this.land?.();
    } catch {
      land = undefined;
    }
    if (land === undefined) throw new PondQueryError("pond columns come as a file on the land, and this worker has no land (QB_LAND)", { retryable: false });
    options.signal?.throwIfAborted();
    const reply = await new Promise<PondColumnsReplyMsg>((resolve, reject) => {
      const call = client.PondColumns(this.request(sql, params, options), new grpc.Metadata({ waitForReady: true }), (err, r) => {
        options.signal?.removeEventListener("abort", onAbort);
        if (err) reject(new PondQueryError(`pond query failed: ${err.details || err.message}`, { cause: err, retryable: !REFUSED.has(err.code) }));
        else resolve(r!);
      });
      const onAbort = (): void => call.cancel();
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
    const f = reply.file;
    const ref = new LandRef(f.path, Number(f.size), f.sha256, f.mediaType, f.stamp || undefined, f.xxh128 || undefined);
    // the quarterback wrote this file for this query moments ago and named it in its answer
    // over the callback channel: its size is checked, the second hash pass is left out
    // (a tenth of a 2,000,000-row read)
    const columns = await readArrowColumns(land, ref, { hash: false });
    // the file was made for this query alone and is in memory now: the land does not keep it
    await rm(await land.resolve(ref.path), { force: true });
    return columns;
  }

  async *stream(sql: string, params: Record<string, unknown> = {}, options: PondQueryOptions = {}): AsyncIterable<PondRow[]> {
    const client = this.connect();
    options.signal?.throwIfAborted();
    // wait-for-ready: the quarterback starts its callback service a moment after its workers;
    // the call's abort signal (cancel, deadline, shutdown) bounds the wait
    const call = client.PondQuery(this.request(sql, params, options), new grpc.Metadata({ waitForReady: true }));
    const onAbort = (): void => call.cancel();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for await (const msg of call as AsyncIterable<PondRowsMsg>) yield JSON.parse(msg.rowsJson) as PondRow[];
    } catch (err) {
      const e = err as grpc.ServiceError;
      throw new PondQueryError(`pond query failed: ${e.details || e.message}`, { cause: err, retryable: !REFUSED.has(e.code) });
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}
