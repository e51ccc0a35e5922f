/**
 * The error codes of the worker contract (enum ErrorCode in worker.proto), their short
 * names used in TypeScript, and whether each is retryable by default.
 */

/** Short names, as used in code, docs and messages. */
export const ERROR_CODES = [
  "FAILED",
  "UNKNOWN_METHOD",
  "INVALID_ARGUMENT",
  "CANCELLED",
  "DEADLINE_EXCEEDED",
  "RESOURCE_EXHAUSTED",
  "UNAVAILABLE",
  "PROTOCOL",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The enum value names on the wire. */
export type WireErrorCode = "ERROR_CODE_UNSPECIFIED" | `ERROR_CODE_${ErrorCode}`;

/** The retryable flag a worker sets when it has no better knowledge. */
export const DEFAULT_RETRYABLE: Readonly<Record<ErrorCode, boolean>> = {
  FAILED: true,
  UNKNOWN_METHOD: false,
  INVALID_ARGUMENT: false,
  CANCELLED: false,
  DEADLINE_EXCEEDED: true,
  RESOURCE_EXHAUSTED: true,
  UNAVAILABLE: true,
  PROTOCOL: false,
  INTERNAL: false,
};

export function toWireCode(code: ErrorCode): WireErrorCode {
  return `ERROR_CODE_${code}`;
}

/** The short name of a wire code; an unspecified or unknown code reads as INTERNAL. */
export function fromWireCode(wire: string | number | undefined | null): ErrorCode {
  if (typeof wire === "string" && wire.startsWith("ERROR_CODE_")) {
    const short = wire.slice("ERROR_CODE_".length);
    if ((ERROR_CODES as readonly string[]).includes(short)) return short as ErrorCode;
  }
  return "INTERNAL";
}

export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === "string" && (ERROR_CODES as readonly string[]).includes(s);
}
