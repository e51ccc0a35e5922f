/**
 * The conformance methods: a small documented set of methods that let `qb worker test`
 * check behaviour it cannot see from outside (does the abort signal reach the method?
 * does a held call keep its state?). The SDK serves them unless `conformance: false`.
 * Other languages may serve them too (see docs/worker-protocol.md); the Python example does.
 *
 *   qb.echo(x)             -> x
 *   qb.fail({message?})    -> throws Error(message): an error result of code FAILED
 *   qb.sleep({ms, tag?})   -> {slept: ms} after ms, or ends early when aborted, noting the tag
 *   qb.aborted({tag})      -> {aborted, reason}: whether the qb.sleep call tagged `tag` saw its abort
 *   qb.held({rounds?})     -> held: yields {nonce, count, total}, awaits signal "next" (a number),
 *                             `rounds` times (default 2), then returns {nonce, yields, signals, total, received}
 */
import { randomUUID } from "node:crypto";
import { CallError, InvalidArgumentError } from "./errors.js";
import type { CallContext, Json, MethodTable } from "./types.js";

const MAX_SLEEP_MS = 3_600_000;
const MAX_TAGS = 10_000;

export function conformanceMethods(): MethodTable {
  const aborts = new Map<string, string>();
  return {
    "qb.echo": { description: "returns its input", handler: (input: unknown) => input },
    "qb.fail": {
      description: "throws an error with the given message",
      handler: (input: { message?: unknown } | null) => {
        const message = typeof input?.message === "string" ? input.message : "qb.fail was called";
        throw new Error(message);
      },
    },
    "qb.sleep": {
      description: "waits ms milliseconds unless aborted; records aborts by tag",
      handler: (input: { ms?: unknown; tag?: unknown } | null, ctx: CallContext) => {
        const ms = input?.ms;
        if (typeof ms !== "number" || !(ms >= 0 && ms <= MAX_SLEEP_MS))
          throw new InvalidArgumentError(`qb.sleep: ms must be a number from 0 to ${MAX_SLEEP_MS}`);
        const tag = typeof input?.tag === "string" ? input.tag : null;
        return new Promise<Json>((resolve, reject) => {
          const onAbort = () => {
            clearTimeout(timer);
            if (tag !== null) {
              if (aborts.size >= MAX_TAGS) aborts.delete(aborts.keys().next().value as string);
              aborts.set(tag, reasonName(ctx.abortSignal.reason));
            }
            reject(ctx.abortSignal.reason);
          };
          const timer = setTimeout(() => {
            ctx.abortSignal.removeEventListener("abort", onAbort);
            resolve({ slept: ms });
          }, ms);
          if (ctx.abortSignal.aborted) onAbort();
          else ctx.abortSignal.addEventListener("abort", onAbort, { once: true });
        });
      },
    },
    "qb.aborted": {
      description: "whether the qb.sleep call with this tag saw its abort signal",
      handler: (input: { tag?: unknown } | null) => {
        if (typeof input?.tag !== "string") throw new InvalidArgumentError("qb.aborted: tag must be a string");
        const reason = aborts.get(input.tag);
        return { aborted: reason !== undefined, reason: reason ?? null };
      },
    },
    "qb.held": {
      description: 'held: yields, awaits signal "next", keeps a running count and total',
      held: true,
      handler: async function* (input: { rounds?: unknown } | null, ctx: CallContext) {
        const rounds = input?.rounds ?? 2;
        if (typeof rounds !== "number" || !Number.isInteger(rounds) || rounds < 0 || rounds > 1000) {
          throw new InvalidArgumentError("qb.held: rounds must be an integer from 0 to 1000");
        }
        // state that lives only in this call's memory: the test sees it carried across signals
        const nonce = randomUUID();
        let count = 0;
        let total = 0;
        const received: Json[] = [];
        for (let r = 0; r < rounds; r++) {
          count += 1;
          yield { nonce, count, total };
          const v = (await ctx.signal("next")) as Json;
          received.push(v);
          if (typeof v === "number") total += v;
        }
        return { nonce, yields: count, signals: received.length, total, received };
      },
    },
  };
}

function reasonName(reason: unknown): string {
  if (reason instanceof CallError) {
    if (reason.code === "DEADLINE_EXCEEDED") return "deadline";
    if (reason.code === "UNAVAILABLE") return "shutdown";
  }
  return "cancelled";
}
