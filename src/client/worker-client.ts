/**
 * A caller's view of one worker: Invoke, Describe, health, and Session streams. Used by
 * `qb worker test`, the benchmarks and tests, and (later) by the quarterback's dispatch.
 */
import * as grpc from "@grpc/grpc-js";
import { clientSetup } from "../proto/credentials.js";
import { loadProtos } from "../proto/load.js";
import type { TransportAuth } from "../proto/transport-auth.js";
import { MAX_TIMER_MS } from "../common/long-timer.js";
import type { DescribeResponseMsg, HealthCheckResponseMsg, HealthStatus, InputMsg, OutputMsg, SessionInMsg, SessionOutMsg } from "../proto/messages.js";
import type { Value } from "../common/values.js";
import { decodeValue, encodeValue } from "../common/values.js";
import { MessageTooLargeError, RemoteCallError, TransportError, WorkerProtocolError } from "./errors.js";
import { mustSpill, overLimit, type InputSpill } from "./message-limit.js";
import { SESSION_BATCHES_METADATA } from "../proto/session-frames.js";
import { SessionClient } from "./session-client.js";

export interface WorkerClientOptions {
  /** Largest message to accept; default 64 MiB (the worker enforces its own limit). */
  maxMessageBytes?: number;
  /** TLS (TCP addresses) and the token (every call), as the worker demands them. */
  auth?: TransportAuth | undefined;
  /** The name the worker's certificate must carry when the address dialled is an IP found for it. */
  serverName?: string | undefined;
}

export interface InvokeOptions {
  /** The call's deadline, relative. */
  timeoutMs?: number;
  /** Aborting it cancels the call. */
  signal?: AbortSignal;
  callId?: string;
  attempt?: number;
  /** Told, before the result resolves, how long the method ran in the worker (ms), when the worker says. */
  onWorkerMs?(ms: number): void;
}

type Unary<Req, Res> = (
  req: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void,
) => grpc.ClientUnaryCall;

interface RawWorkerClient extends grpc.Client {
  Invoke: Unary<InputMsg, OutputMsg>;
  Describe: Unary<Record<string, never>, DescribeResponseMsg>;
  Session(metadata?: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<SessionInMsg, SessionOutMsg>;
}

interface RawHealthClient extends grpc.Client {
  Check: Unary<{ service: string }, HealthCheckResponseMsg>;
}

export class WorkerClient {
  readonly raw: RawWorkerClient;
  /** Results larger than this (bytes of JSON) fail their call with MessageTooLargeError. */
  maxValueBytes: number | undefined;
  /** Set when the worker reads spilled values: an input over its limit goes to the land first. */
  inputSpill: InputSpill | undefined;
  private readonly healthClient: RawHealthClient;

  constructor(
    readonly address: string,
    options: WorkerClientOptions = {},
  ) {
    const { WorkerCallerClient: Ctor, HealthClient } = loadProtos();
    const setup = clientSetup(options.auth, address, options.serverName);
    const channelOptions: grpc.ClientOptions = {
      "grpc.max_receive_message_length": options.maxMessageBytes ?? 64 * 1024 * 1024,
      "grpc.max_send_message_length": -1,
      // a worker just spawned is not listening yet: retry within milliseconds, not grpc-js's default 1 s
      "grpc.initial_reconnect_backoff_ms": 20,
      "grpc.max_reconnect_backoff_ms": 250,
      ...setup.options,
    };
    this.raw = new Ctor(address, setup.credentials, channelOptions) as unknown as RawWorkerClient;
    this.healthClient = new HealthClient(address, setup.credentials, channelOptions) as unknown as RawHealthClient;
  }

  /** Resolves once connected, or rejects at the deadline. */
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.raw.waitForReady(Date.now() + timeoutMs, (err) =>
        err ? reject(new TransportError(`cannot connect to ${this.address}: ${err.message}`, { cause: err })) : resolve(),
      ),
    );
  }

  /** The Output message as sent, or TransportError for a non-OK gRPC status. */
  invokeRaw(input: InputMsg, options: InvokeOptions = {}): Promise<OutputMsg> {
    return new Promise((resolve, reject) => {
      // a deadline further than a 32-bit ms timer reaches is cut short by grpc-js's server (it
      // ends the call at once): such a call goes without one, as good as the caller's own
      const bounded = options.timeoutMs !== undefined && options.timeoutMs <= MAX_TIMER_MS;
      const callOptions: grpc.CallOptions = bounded ? { deadline: Date.now() + options.timeoutMs! } : {};
      const call = this.raw.Invoke(input, new grpc.Metadata(), callOptions, (err, res) => {
        options.signal?.removeEventListener("abort", onAbort);
        if (err) reject(new TransportError(`${input.method}: ${err.details || err.message}`, { cause: err }));
        else resolve(res as OutputMsg);
      });
      const onAbort = () => call.cancel();
      if (options.signal?.aborted) call.cancel();
      else options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Calls a method: its result, or RemoteCallError for an error result. */
  async invoke(method: string, input: Value, options: InvokeOptions = {}): Promise<Value> {
    let encoded = encodeValue(input);
    const big = mustSpill(encoded, this.inputSpill);
    if (big !== undefined) encoded = encodeValue(await this.inputSpill!.spill(big));
    const out = await this.invokeRaw({ method, input: encoded, callId: options.callId ?? "", attempt: options.attempt ?? 1 }, options);
    const bytes = overLimit(out.result, this.maxValueBytes);
    if (bytes !== undefined) throw new MessageTooLargeError(method, bytes, this.maxValueBytes!);
    if (options.onWorkerMs !== undefined && out.workerMs !== undefined && out.workerMs > 0) options.onWorkerMs(out.workerMs);
    return outcome(out, options.callId ?? "");
  }

  describe(timeoutMs = 5_000): Promise<DescribeResponseMsg> {
    return new Promise((resolve, reject) =>
      this.raw.Describe({}, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
        err ? reject(new TransportError(`Describe: ${err.details || err.message}`, { cause: err })) : resolve(res as DescribeResponseMsg),
      ),
    );
  }

  health(service = "", timeoutMs = 2_000): Promise<HealthStatus> {
    return new Promise((resolve, reject) =>
      this.healthClient.Check({ service }, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
        err ? reject(new TransportError(`health: ${err.details || err.message}`, { cause: err })) : resolve((res as HealthCheckResponseMsg).status),
      ),
    );
  }

  /**
   * Opens a Session stream. `batches`: the worker's Describe says it reads batched frames;
   * then this side batches its messages, and asks the worker to batch its own.
   */
  session(options: { batches?: boolean } = {}): SessionClient {
    if (!options.batches) return new SessionClient(this.raw.Session());
    const metadata = new grpc.Metadata();
    metadata.set(SESSION_BATCHES_METADATA, "1");
    return new SessionClient(this.raw.Session(metadata), { batches: true });
  }

  close(): void {
    this.raw.close();
    this.healthClient.close();
  }
}

/** The value of an Output, or the RemoteCallError it carries. */
export function outcome(out: OutputMsg, callId: string): Value {
  if (out.error && (out.outcome === "error" || out.outcome === undefined)) throw new RemoteCallError(out.error, callId);
  if (out.outcome === "result" || out.result) return decodeValue(out.result);
  throw new WorkerProtocolError("the worker sent an Output with neither result nor error");
}
