/** The method table given to serveWorker, checked and resolved: which methods are held. */
import { WorkerConfigError } from "./errors.js";
import type { HeldMethod, MethodSpec, MethodTable, PlainMethod } from "./types.js";

export interface ResolvedMethod {
  name: string;
  handler: PlainMethod | HeldMethod;
  held: boolean;
  description: string;
}

/** Names starting with this are the conformance methods' (see conformance-methods.ts). */
export const RESERVED_PREFIX = "qb.";

export function isAsyncGeneratorFunction(fn: unknown): boolean {
  return typeof fn === "function" && Object.prototype.toString.call(fn) === "[object AsyncGeneratorFunction]";
}

export function resolveMethods(table: MethodTable, extra: MethodTable = {}): Map<string, ResolvedMethod> {
  if (table === null || typeof table !== "object") throw new WorkerConfigError("serveWorker expects an object of methods");
  const out = new Map<string, ResolvedMethod>();
  for (const [name, entry] of Object.entries(table)) {
    if (name.startsWith(RESERVED_PREFIX))
      throw new WorkerConfigError(`method ${JSON.stringify(name)}: names starting with "${RESERVED_PREFIX}" are reserved for the conformance methods`);
    out.set(name, resolveOne(name, entry));
  }
  for (const [name, entry] of Object.entries(extra)) out.set(name, resolveOne(name, entry));
  return out;
}

function resolveOne(name: string, entry: PlainMethod | HeldMethod | MethodSpec): ResolvedMethod {
  if (name.trim() === "" || /\s/.test(name)) throw new WorkerConfigError(`method name ${JSON.stringify(name)} is empty or has whitespace`);
  const spec: MethodSpec = typeof entry === "function" ? { handler: entry } : entry;
  if (spec === null || typeof spec !== "object" || typeof spec.handler !== "function") {
    throw new WorkerConfigError(`method ${JSON.stringify(name)} must be a function or { handler: function, held?, description? }`);
  }
  if (Object.prototype.toString.call(spec.handler) === "[object GeneratorFunction]") {
    // its result would be the generator object (JSON {}), and it cannot await signals
    throw new WorkerConfigError(
      `method ${JSON.stringify(name)} is a generator function (function*): write a held method as an async generator (async function*), a plain one as a function that returns its output`,
    );
  }
  return {
    name,
    handler: spec.handler,
    held: spec.held ?? isAsyncGeneratorFunction(spec.handler),
    description: spec.description ?? "",
  };
}
