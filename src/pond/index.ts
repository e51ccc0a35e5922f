/**
 * The pond: the pod-local SQL database (embedded DuckDB, or a MySQL-wire server), and
 * the lake sync that fills it. See docs/pond.md.
 */
export { openPond } from "./open.js";
export { anchorPondUrl, DEFAULT_POND, parsePondUrl, namedPondUrl, redactUrl, resolvePondUrl, type PondLocation } from "./url.js";
export { bindParams, namedParameterSpans } from "./params.js";
export { inferSchema, parseSchemaSpec } from "./infer.js";
export {
  LakeSourceError,
  LakeSyncError,
  PondCancelledError,
  PondClosedError,
  PondBusyError,
  PondConnectError,
  PondError,
  PondParamError,
  PondQueryError,
  PondSchemaError,
  PondUrlError,
  SyncOptionError,
} from "./errors.js";
export {
  COLUMN_TYPES,
  type Column,
  type ColumnType,
  type CreateTableOptions,
  type Dialect,
  type DriverName,
  type InsertOptions,
  type JsonValue,
  type Params,
  type Pond,
  type PondSession,
  type Row,
  type StreamOptions,
  type TableSchema,
} from "./types.js";
export { syncTable, type SyncOptions } from "./lake/sync.js";
export { GENERATION_COUNTER_TABLE, GENERATIONS_TABLE, latestGeneration, listGenerations, type Generation, type SyncMode } from "./lake/generations.js";
export { writeRowsInto, WRITES_TABLE, type SinkResult, type WriteMode } from "./sink.js";
export { isText, textAt, type ColumnKind, type ColumnResult, type ResultColumn, type TextValues } from "../common/columns.js";
