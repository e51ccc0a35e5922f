import { readFileSync } from "node:fs";
import { UsageError } from "./errors.js";

export interface FlowInput {
  path: string;
  text: string;
}

export function readFlow(path: string): FlowInput {
  try {
    return { path, text: readFileSync(path, "utf8") };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : String(err);
    throw new UsageError(`cannot read flow ${path}: ${why}`, { cause: err });
  }
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
