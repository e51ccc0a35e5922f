/**
 * A worker for the web view's browser tests (test/ui-browser.test.ts): calls that take a
 * while and say so in their log, and a call that fails with HTML in its error and its log
 * (the page must show it as text).
 *
 *   work({ms, v, gate?})   logs `working on v`, reports progress, waits ms (cancellable),
 *                          then, given a gate folder, for the file `gate/v`; returns v
 *   fail({v})              logs two lines, then throws `ui-probe: <b>bad</b> input v`
 *   rounds({n, ms, gate?}) held: n times, awaits signal "go", waits ms (and for the file
 *                          `gate/round-i`), yields the round's number
 * The gates let a test pace the run instead of racing it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveWorker, type CallContext } from "quarterback/worker";

function sleep(ms: number, ctx: CallContext): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    ctx.abortSignal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(ctx.abortSignal.reason);
      },
      { once: true },
    );
  });
}

/** Waits until `file` exists (polled; cancellable). */
async function gateOpen(file: string, ctx: CallContext): Promise<void> {
  while (!existsSync(file)) await sleep(20, ctx);
}

await serveWorker(
  {
    work: async (input: { ms: number; v: unknown; gate?: string }, ctx: CallContext) => {
      process.stderr.write(`working on ${JSON.stringify(input.v)}\n`);
      ctx.progress(0.5, `half of ${JSON.stringify(input.v)}`);
      await sleep(input.ms, ctx);
      if (input.gate !== undefined) await gateOpen(join(input.gate, String(input.v)), ctx);
      return input.v;
    },
    fail: async (input: { v: unknown }) => {
      process.stderr.write(`about to fail on ${JSON.stringify(input.v)}\n`);
      process.stderr.write(`<script>alert("log ${JSON.stringify(input.v)}")</script>\n`);
      throw new Error(`ui-probe: <b>bad</b> input ${JSON.stringify(input.v)}`);
    },
    rounds: async function* (input: { n: number; ms?: number; gate?: string }, ctx: CallContext) {
      for (let i = 0; i < input.n; i++) {
        await ctx.signal("go");
        await sleep(input.ms ?? 0, ctx);
        if (input.gate !== undefined) await gateOpen(join(input.gate, `round-${i}`), ctx);
        yield i;
      }
    },
  },
  { name: "ui-probe", version: "1.0.0" },
);
