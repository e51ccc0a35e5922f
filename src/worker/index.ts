/**
 * The TypeScript worker SDK: `serveWorker({ method: async (input, ctx) => output })`.
 * See docs/worker-protocol.md for the protocol underneath.
 */
export { serveWorker, DEFAULT_MAX_CONCURRENT_CALLS, DEFAULT_MAX_MESSAGE_BYTES } from "./serve-worker.js";
export type {
  CallContext,
  Json,
  Value,
  MethodTable,
  MethodSpec,
  PlainMethod,
  HeldMethod,
  WorkerOptions,
  WorkerServer,
  Report,
  ReportKind,
  ReportOutcome,
} from "./types.js";
export {
  CallError,
  InvalidArgumentError,
  UnknownMethodError,
  CancelledError,
  DeadlineExceededError,
  UnavailableError,
  CapacityError,
  ProtocolError,
  OutputError,
  SignalEndedError,
  NotHeldError,
  WorkerConfigError,
  type CallErrorOptions,
} from "./errors.js";
export { readWorkerEnvironment, DEFAULT_LISTEN, type WorkerEnvironment } from "./environment.js";
export { LISTENING_PREFIX, parseListeningLine } from "../common/announce.js";
export { RESERVED_PREFIX } from "./methods.js";
export { PondQueryError, type PondAccess, type PondColumns, type PondRow } from "./pond-client.js";
export { SDK_NAME, SDK_VERSION } from "./version.js";
export { AuthConfigError, type AuthFiles } from "../proto/transport-auth.js";
export { InsecureTransportError } from "../proto/transport-policy.js";
export {
  Land,
  LandRef,
  LandPathError,
  LandRefMismatchError,
  LandUnavailableError,
  writeTypedArray,
  readTypedArray,
  type ElementType,
  type TypedArray,
  type DigestKind,
  type WriteOptions,
  writeArrowTable,
  readArrowTable,
  writeFloat64Columns,
  readFloat64Columns,
  ARROW_FILE_MEDIA_TYPE,
  type ArrowColumns,
  SPILLED_VALUE_MEDIA_TYPE,
  isSpilledValue,
} from "../land/index.js";
export type { ErrorCode } from "../proto/error-codes.js";
