/**
 * TypeScript shapes of the messages in proto/quarterback/v1/worker.proto, as
 * @grpc/proto-loader reads and writes them with {@link LOADER_OPTIONS}: camelCase field
 * names, 64-bit integers as numbers, enums as their names, defaults filled in, and for
 * each `oneof` a virtual field naming the member that is set (only on decoded messages).
 * Written by hand; src/proto/messages.test.ts checks them against the .proto.
 */
import type { WireErrorCode } from "./error-codes.js";

export interface LandRefMsg {
  path: string;
  size: number;
  /** "" when the writer gave its XXH128 instead. */
  sha256: string;
  mediaType: string;
  /** The writer's stamp of the file (land/stamp.ts); "" or absent when there is none. */
  stamp?: string;
  /** XXH3-128, 32 lowercase hex digits (land/digest.ts); "" or absent when there is none. */
  xxh128?: string;
}

/** No member set means JSON null. */
export interface ValueMsg {
  json?: string;
  land?: LandRefMsg | null;
  kind?: "json" | "land";
}

export interface CallErrorMsg {
  code: WireErrorCode;
  message: string;
  details: string;
  retryable: boolean;
  type: string;
}

export interface InputMsg {
  method: string;
  input: ValueMsg | null;
  callId: string;
  attempt: number;
}

export interface OutputMsg {
  result?: ValueMsg | null;
  error?: CallErrorMsg | null;
  /** How long the method ran (ms, measured in the worker); 0 or absent: not measured. */
  workerMs?: number;
  outcome?: "result" | "error";
}

export type DescribeRequestMsg = Record<string, never>;

export interface MethodInfoMsg {
  name: string;
  held: boolean;
  description: string;
}

export interface DescribeResponseMsg {
  name: string;
  version: string;
  methods: MethodInfoMsg[];
  maxConcurrentCalls: number;
  session: boolean;
  maxMessageBytes: number;
  sdk: string;
  /** Whether the worker reads a spilled value (land/spilled-value.ts) as the value itself. */
  readsSpilledValues?: boolean;
  /** The worker reads batched Session frames (and batches its own when the Session's metadata asks). */
  sessionBatches?: boolean;
}

export interface StartMsg {
  method: string;
  input: ValueMsg | null;
  timeoutMs: number;
  attempt: number;
}

export interface SignalMsg {
  name: string;
  value: ValueMsg | null;
  end: boolean;
}

export interface CancelMsg {
  reason: string;
}

export interface SessionInMsg {
  callId: string;
  start?: StartMsg | null;
  signal?: SignalMsg | null;
  cancel?: CancelMsg | null;
  msg?: "start" | "signal" | "cancel";
  /** Messages carried in this frame, read after its own (if any), in order. */
  batch?: SessionInMsg[];
}

export interface ProgressMsg {
  fraction: number;
  message: string;
}

export interface YieldedMsg {
  value: ValueMsg | null;
  round: number;
}

export interface AwaitingMsg {
  signal: string;
  /** Signal values (all names) taken so far, as Yielded.round. */
  round: number;
  /** Values of this signal taken so far. */
  taken: number;
}

export interface SessionOutMsg {
  callId: string;
  progress?: ProgressMsg | null;
  yielded?: YieldedMsg | null;
  awaiting?: AwaitingMsg | null;
  result?: ValueMsg | null;
  error?: CallErrorMsg | null;
  /** With a result or an error: how long the method ran (ms, measured in the worker); 0 or absent: not measured. */
  workerMs?: number;
  msg?: "progress" | "yielded" | "awaiting" | "result" | "error";
  /** Messages carried in this frame, read after its own (if any), in order. */
  batch?: SessionOutMsg[];
}

export type WireReportKind = "REPORT_KIND_UNSPECIFIED" | "REPORT_KIND_ERROR" | "REPORT_KIND_TIMEOUT" | "REPORT_KIND_PROGRESS" | "REPORT_KIND_LOG";

export interface ReportRequestMsg {
  kind: WireReportKind;
  message: string;
  fatal: boolean;
  callId: string;
  worker: string;
  replica: number;
  fraction: number;
  details: string;
}

export interface ReportReplyMsg {
  runCancelled: boolean;
}

export interface PondQueryRequestMsg {
  sql: string;
  paramsJson: string;
  batchSize: number;
  callId: string;
  worker: string;
  replica: number;
}

export interface PondRowsMsg {
  rowsJson: string;
}

export interface PondColumnsReplyMsg {
  file: LandRefMsg;
  rows: number;
}

export type HealthStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

export interface HealthCheckRequestMsg {
  service: string;
}

export interface HealthCheckResponseMsg {
  status: HealthStatus;
}
