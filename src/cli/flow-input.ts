import { readFileSync } from "node:fs";
import { UsageError } from "./errors.js";
import { firstNonText } from "./text-check.js";

export interface FlowInput {
  path: string;
  text: string;
}

export function readFlow(path: string): FlowInput {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : String(err);
    throw new UsageError(`cannot read flow ${path}: ${why}`, { cause: err });
  }
  return { path, text: decodeFlow(path, bytes) };
}

/**
 * A flow file's text. A file that is not UTF-8 text (a binary, another encoding) is refused
 * with one error at its first bad byte, rather than compiled into a flood of diagnostics
 * about replacement characters.
 */
export function decodeFlow(path: string, bytes: Uint8Array): string {
  const bad = firstNonText(bytes);
  if (bad) {
    const what =
      bad.byte === 0
        ? "a NUL byte: a binary file, not text"
        : `byte 0x${bad.byte.toString(16).padStart(2, "0")} is not UTF-8 (a binary file, or another encoding)`;
    throw new UsageError(`${path}:${bad.line}:${bad.col}: not a flow: ${what}; a flow is UTF-8 text`);
  }
  // a byte-order mark stays: the compiler skips it and counts columns with it, as the editor does
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
}

/** Collects repeated `--param k=v` options into a record. */
export function collectParam(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new UsageError(`--param ${value}: expected name=value, e.g. --param shards=32`);
  const name = value.slice(0, eq).trim();
  // a second value is most likely a mistake (a default and an override mixed up in a script)
  if (Object.hasOwn(previous, name)) throw new UsageError(`--param ${name} given twice (${name}=${previous[name]}, then ${value.trim()}): give it once`);
  return { ...previous, [name]: value.slice(eq + 1) };
}
