/**
 * A worker for failure tests. Every call's start, abort and end is appended to
 * `$QB_LAND/chaos.log` as `<event> <id> <epoch ms> <pid>`, so a test can count what
 * happened in the handlers, not just what the quarterback saw.
 *
 *   wait({id, ms, fail_after?})  waits ms (cancellable); with fail_after, throws after that many ms
 *   echo(x)                      returns x
 *   crash({id})                  writes a line to stderr and exits the process with code 3
 *   makeArray({n, seed})         a Float64Array of n values on the land -> its land reference
 *   sumArray(ref)                reads a Float64Array by reference -> {n, sum}
 *   tell({message})              reports `message` (a log) to the callback service -> whether it was delivered
 *   until({file, ms})            waits (cancellable) until `file` exists -> true; fails after ms
 *
 * With CHAOS_SLOW_START_MS set, each start of the process waits a random time up to that
 * before it serves (a replica slow to become healthy).
 */
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { LandRef, readTypedArray, serveWorker, writeTypedArray, type CallContext } from "quarterback/worker";

const land = process.env.QB_LAND ?? ".";
const logPath = join(land, "chaos.log");
function note(event: string, id: unknown): void {
  appendFileSync(logPath, `${event} ${String(id)} ${Date.now()} ${process.pid}\n`);
}

async function wait(input: { id: number; ms: number; fail_after?: number }, ctx: CallContext): Promise<number> {
  note("start", input.id);
  if (input.fail_after !== undefined) {
    await new Promise((r) => setTimeout(r, input.fail_after));
    note("throw", input.id);
    throw new Error(`call ${input.id} failed on purpose`);
  }
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, input.ms);
    ctx.abortSignal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        note("aborted", input.id);
        reject(ctx.abortSignal.reason);
      },
      { once: true },
    );
  });
  note("end", input.id);
  return input.id;
}

const slowStart = Number(process.env.CHAOS_SLOW_START_MS ?? 0);
if (slowStart > 0) await new Promise((r) => setTimeout(r, Math.random() * slowStart));

await serveWorker(
  {
    wait,
    echo: async (x: unknown) => x,
    makeArray: async (input: { n: number; seed: number }, ctx: CallContext) => {
      const a = Float64Array.from({ length: input.n }, (_, i) => (i * 7 + input.seed) % 13);
      return writeTypedArray(ctx.land, `arrays/${input.seed}.f64`, a);
    },
    sumArray: async (ref: unknown, ctx: CallContext) => {
      if (!(ref instanceof LandRef)) throw new Error(`expected a land reference, got ${JSON.stringify(ref)}`);
      const a = await readTypedArray(ctx.land, ref, "float64");
      let sum = 0;
      for (const x of a) sum += x;
      return { n: a.length, sum };
    },
    until: async (input: { file: string; ms: number }, ctx: CallContext) => {
      for (const end = Date.now() + input.ms; !existsSync(input.file);) {
        if (Date.now() > end) throw new Error(`${input.file} did not appear within ${input.ms} ms`);
        ctx.abortSignal.throwIfAborted();
        await new Promise((r) => setTimeout(r, 20));
      }
      return true;
    },
    tell: async (input: { message: string }, ctx: CallContext) => (await ctx.report({ kind: "log", message: input.message })).delivered,
    crash: async (input: { id: number }) => {
      note("crash", input.id);
      process.stderr.write(`chaos: crashing on purpose in call ${input.id}\n`);
      process.exit(3);
    },
  },
  { name: "chaos", version: "1.0.0" },
);
