/**
 * A worker for the runtime audit's end-to-end tests. Every call's start, end and abort is
 * appended to `$QB_LAND/probe.log` as `<event> <method> <key> <attempt> <epoch ms> <pid>`.
 *
 * Describe's version is $PROBE_VERSION when set.
 *
 *   echo(x)                          returns x
 *   sleep({ms, v})                   waits ms (cancellable), returns v
 *   flaky({id, fails})               fails the first `fails` attempts of the call, then returns id
 *   add({left, right})               left + right (numbers), for reduce
 *   badAdd({left, right})            fails when either side is 13
 *   fatal({id})                      reports a fatal error on the callback service, then waits
 *   exitSoon({id})                   exits the process (code 5) after 50 ms
 *   spin({ms, v})                    busy for ms without yielding (ignores cancellation and SIGTERM meanwhile)
 *   rounds({n})                      held: yields n values, awaiting signal "go" before each
 *   stall({v})                       held: yields v, then waits (cancellable) without another event
 */
import { openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { serveWorker, type CallContext } from "quarterback/worker";

// opened once (append mode: every replica's lines land whole): a 20,000-call test writes a line per call
const log = openSync(join(process.env.QB_LAND ?? ".", "probe.log"), "a");
function note(event: string, ctx: CallContext, key: unknown): void {
  writeSync(log, `${event} ${ctx.method} ${JSON.stringify(key)} ${ctx.attempt} ${Date.now()} ${process.pid}\n`);
}

function sleepFor(ms: number, ctx: CallContext, key: unknown): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    ctx.abortSignal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        note("aborted", ctx, key);
        reject(ctx.abortSignal.reason);
      },
      { once: true },
    );
  });
}

await serveWorker(
  {
    echo: async (x: unknown, ctx: CallContext) => {
      note("start", ctx, x);
      return x;
    },
    sleep: async (input: { ms: number; v: unknown }, ctx: CallContext) => {
      note("start", ctx, input.v);
      await sleepFor(input.ms, ctx, input.v);
      note("end", ctx, input.v);
      return input.v;
    },
    flaky: async (input: { id: number; fails: number }, ctx: CallContext) => {
      note("start", ctx, input.id);
      if (ctx.attempt <= input.fails) throw new Error(`flaky ${input.id} fails attempt ${ctx.attempt}`);
      return input.id;
    },
    add: async (input: { left: number; right: number }, ctx: CallContext) => {
      note("start", ctx, [input.left, input.right]);
      return input.left + input.right;
    },
    badAdd: async (input: { left: number; right: number }, ctx: CallContext) => {
      note("start", ctx, [input.left, input.right]);
      if (input.left === 13 || input.right === 13) throw new Error("13 is unlucky");
      return input.left + input.right;
    },
    fatal: async (input: { id: number }, ctx: CallContext) => {
      note("start", ctx, input.id);
      await ctx.report({ kind: "error", message: `fatal from call ${input.id}`, fatal: true });
      await sleepFor(60_000, ctx, input.id);
      return input.id;
    },
    exitSoon: async (input: { id: number }, ctx: CallContext) => {
      note("start", ctx, input.id);
      setTimeout(() => process.exit(5), 50);
      await sleepFor(60_000, ctx, input.id);
      return input.id;
    },
    spin: async (input: { ms: number; v: unknown }, ctx: CallContext) => {
      note("start", ctx, input.v);
      const until = Date.now() + input.ms;
      while (Date.now() < until);
      note("end", ctx, input.v);
      return input.v;
    },
    stall: async function* (input: { v: unknown }, ctx: CallContext) {
      note("start", ctx, input.v);
      yield input.v ?? null;
      await sleepFor(600_000, ctx, input.v);
    },
    rounds: async function* (input: { n: number }, ctx: CallContext) {
      for (let i = 0; i < input.n; i++) {
        await ctx.signal("go");
        yield i;
      }
    },
  },
  // PROBE_VERSION (the flow's `env`) stands for a new release of the worker, for resume's key tests
  { name: "probe", version: process.env.PROBE_VERSION ?? "1.0.0" },
);
