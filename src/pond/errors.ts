/** Typed pond errors: each names the pond (password hidden) and, where there is one, the table and the file. */

export interface PondErrorContext {
  /** The pond's URL, password hidden. */
  pond?: string;
  table?: string;
  /** The lake file or URL being read. */
  source?: string;
  sql?: string;
}

function causeText(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return cause === undefined ? "" : String(cause);
}

/** Base class: every pond error is one of these. */
export class PondError extends Error {
  readonly pond: string | undefined;
  readonly table: string | undefined;
  readonly source: string | undefined;
  readonly sql: string | undefined;

  constructor(message: string, context: PondErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.pond = context.pond;
    this.table = context.table;
    this.source = context.source;
    this.sql = context.sql;
  }
}

/** A pond URL that names no driver, or a malformed one (bad usage). */
export class PondUrlError extends PondError {
  constructor(url: string, why: string) {
    super(
      `bad pond URL ${JSON.stringify(url)}: ${why}; expected a path ending in .duckdb, duckdb:PATH, :memory:, or mysql://user:password@host:port/database`,
      { pond: url },
    );
  }
}

/** The pond could not be opened or reached. */
export class PondConnectError extends PondError {
  constructor(pond: string, cause: unknown) {
    super(`cannot open pond ${pond}: ${causeText(cause)}`, { pond }, { cause });
  }
}

/**
 * An embedded pond another process holds: DuckDB lets many processes open a file to read,
 * or one to write, never both. Says who holds it (when DuckDB tells) and what to do.
 */
export class PondBusyError extends PondError {
  readonly holderPid: number | undefined;
  constructor(pond: string, readOnly: boolean, cause: unknown) {
    const pid = /\(PID (\d+)\)/.exec(causeText(cause))?.[1];
    const who = pid === undefined ? "another process" : `process ${pid}`;
    const why = readOnly
      ? `${who} has it open to write (a run that writes a pond table, qb pond sync, or a qb pond query that changes it)`
      : `${who} has it open (a run, or qb pond)`;
    super(
      `pond ${pond} is busy: ${why}. An embedded pond is read by many processes at once or written by one alone: ` +
        `wait for that one to finish, or use a MySQL-wire pond (--pond mysql://...) for writers side by side (docs/pond.md, "Sharing the pond")`,
      { pond },
      { cause },
    );
    this.holderPid = pid === undefined ? undefined : Number(pid);
  }
}

/** DuckDB's refusal to lock a file another process holds. */
export function isLockConflict(err: unknown): boolean {
  return /Could not set lock on file/i.test(causeText(err));
}

/** A statement failed on the pond. */
export class PondQueryError extends PondError {
  constructor(pond: string, sql: string, cause: unknown, table?: string) {
    const where = table === undefined ? `pond ${pond}` : `table ${table} of pond ${pond}`;
    super(`query failed on ${where}: ${causeText(cause)}\n  SQL: ${oneLine(sql)}`, { pond, sql, table }, { cause });
  }
}

/** A `:name` parameter without a value, a value without a parameter, or a mix of styles. */
export class PondParamError extends PondError {
  constructor(pond: string, message: string, sql: string) {
    super(`${message} (pond ${pond})\n  SQL: ${oneLine(sql)}`, { pond, sql });
  }
}

/** A table name that is not a plain identifier, a column that does not exist, a schema mismatch. */
export class PondSchemaError extends PondError {
  constructor(message: string, context: PondErrorContext) {
    super(message, context);
  }
}

/** A query stopped by its caller's abort signal, in the database too. */
export class PondCancelledError extends PondError {
  constructor(pond: string, sql: string, reason: unknown) {
    super(`query cancelled on pond ${pond}: ${causeText(reason)}\n  SQL: ${oneLine(sql)}`, { pond, sql }, { cause: reason });
  }
}

/** The pond was used after close(). */
export class PondClosedError extends PondError {
  constructor(pond: string) {
    super(`pond ${pond} is closed`, { pond });
  }
}

/** Reading the lake failed: no file matches, an unreadable file, a malformed row. */
export class LakeSourceError extends PondError {
  /** True when the source does not exist at all (bad usage rather than a failure). */
  readonly missing: boolean;
  constructor(source: string, message: string, options: { cause?: unknown; missing?: boolean; pond?: string; table?: string } = {}) {
    super(`lake source ${source}: ${message}`, { source, pond: options.pond, table: options.table }, { cause: options.cause });
    this.missing = options.missing ?? false;
  }
}

/** A sync failed; nothing of it was written (the pond's transaction was rolled back). */
export class LakeSyncError extends PondError {
  constructor(context: Required<Pick<PondErrorContext, "pond" | "table" | "source">>, cause: unknown) {
    super(`sync of ${context.source} into table ${context.table} of pond ${context.pond} failed, nothing was written: ${causeText(cause)}`, context, { cause });
  }
}

function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, " ").trim();
  return s.length > 300 ? s.slice(0, 300) + "…" : s;
}

/** `--key`, `--incremental-by` or `--schema` names a column the source does not have, or contradicts the table (bad usage). */
export class SyncOptionError extends PondError {
  constructor(message: string, context: PondErrorContext) {
    super(message, context);
  }
}
