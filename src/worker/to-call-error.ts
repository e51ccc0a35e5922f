/** Any thrown value as the error result of a call: code, message, stack and causes, retryable flag. */
import { DEFAULT_RETRYABLE, ERROR_CODES, isErrorCode, toWireCode, type ErrorCode } from "../proto/error-codes.js";
import type { CallErrorMsg } from "../proto/messages.js";
import { LandPathError } from "../land/errors.js";
import { CallError } from "./errors.js";

const MAX_MESSAGE = 4_000;
const MAX_DETAILS = 32_000;
const MAX_TYPE = 200;
/** Room kept for the rest of the message (call id, code, framing). */
const OVERHEAD_BYTES = 1_024;

/**
 * Never throws: a method may throw anything, even a value that cannot be read or turned
 * into text (a Proxy whose traps throw, an object without a prototype holding a BigInt),
 * and its call must still get an answer.
 */
export function toCallErrorMsg(err: unknown, maxMessageBytes = Infinity): CallErrorMsg {
  try {
    return describeError(err, maxMessageBytes);
  } catch {
    return {
      code: toWireCode("FAILED"),
      message: "non-error thrown: a value that cannot be read or turned into text",
      details: "",
      retryable: DEFAULT_RETRYABLE.FAILED,
      type: typeofSafe(err),
    };
  }
}

function typeofSafe(err: unknown): string {
  return err === null ? "null" : typeof err;
}

/** The message and details are clipped so the error fits in a message of `maxMessageBytes`. */
function describeError(err: unknown, maxMessageBytes: number): CallErrorMsg {
  // a UTF-16 code unit is at most 3 bytes of UTF-8: this many characters always fit
  const room = Math.floor((maxMessageBytes - OVERHEAD_BYTES) / 3);
  const maxMessage = Math.min(MAX_MESSAGE, Math.floor(room / 4));
  const maxDetails = Math.min(MAX_DETAILS, room - maxMessage);
  let code: ErrorCode = "FAILED";
  let retryable: boolean | undefined;
  let details: string | undefined;
  let message = messageOf(err);
  if (err instanceof CallError) {
    code = err.code;
    retryable = err.retryable;
    details = err.details;
    if (!isErrorCode(code)) {
      // from JavaScript, without the type check: say so rather than send a bare INTERNAL
      message = `CallError with unknown error code ${JSON.stringify(code)} (the codes are ${ERROR_CODES.join(", ")}): ${message}`;
      code = "INTERNAL";
    }
  } else if (err instanceof LandPathError) {
    // a land path in the input that leaves the land: running it again cannot help
    code = "INVALID_ARGUMENT";
  }
  if (retryable === undefined && err !== null && typeof err === "object" && typeof (err as { retryable?: unknown }).retryable === "boolean") {
    retryable = (err as { retryable: boolean }).retryable;
  }
  return {
    code: toWireCode(code),
    message: clip(message, maxMessage),
    details: clip(details ?? describe(err), maxDetails),
    retryable: retryable ?? DEFAULT_RETRYABLE[code],
    type: clip(typeOf(err), MAX_TYPE),
  };
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === "string") return err;
  try {
    return `non-error thrown: ${JSON.stringify(err)}`;
  } catch {
    // String() throws too for an object without toString (Object.create(null))
    try {
      return `non-error thrown: ${String(err)}`;
    } catch {
      return `non-error thrown: ${Object.prototype.toString.call(err)}`;
    }
  }
}

function typeOf(err: unknown): string {
  if (err instanceof Error) return err.name || err.constructor?.name || "Error";
  return err === null ? "null" : typeof err;
}

/** The stack, then each cause's stack ("caused by: ..."), a few levels deep. */
function describe(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== undefined; depth++) {
    const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : messageOf(e);
    parts.push(depth === 0 ? text : `caused by: ${text}`);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join("\n");
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 20)}… (${s.length - max + 20} more)`;
}
