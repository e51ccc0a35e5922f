/**
 * `quarterback/worker` as installed: the SDK from its CommonJS bundle (dist/bundle/worker.cjs,
 * made by scripts/bundle.ts with grpc-js and protobufjs inside), loaded through V8's code
 * cache, so a worker starts listening sooner. The same names as ./index.ts, which a test
 * keeps in step; the types come from ./index.ts too (package.json points there).
 */
import { fileURLToPath } from "node:url";
import { loadWithCodeCache } from "./code-cache.js";
import type * as Sdk from "./index.js";

const sdk = loadWithCodeCache(fileURLToPath(new URL("../bundle/worker.cjs", import.meta.url))) as typeof Sdk;

export const {
  ARROW_FILE_MEDIA_TYPE,
  AuthConfigError,
  CallError,
  CancelledError,
  CapacityError,
  DEFAULT_LISTEN,
  DEFAULT_MAX_CONCURRENT_CALLS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DeadlineExceededError,
  InsecureTransportError,
  InvalidArgumentError,
  LISTENING_PREFIX,
  Land,
  LandPathError,
  LandRef,
  LandRefMismatchError,
  LandUnavailableError,
  NotHeldError,
  OutputError,
  PondQueryError,
  ProtocolError,
  RESERVED_PREFIX,
  SDK_NAME,
  SDK_VERSION,
  SPILLED_VALUE_MEDIA_TYPE,
  SignalEndedError,
  UnavailableError,
  UnknownMethodError,
  WorkerConfigError,
  isSpilledValue,
  parseListeningLine,
  readArrowTable,
  readFloat64Columns,
  readTypedArray,
  readWorkerEnvironment,
  serveWorker,
  writeArrowTable,
  writeFloat64Columns,
  writeTypedArray,
} = sdk;
