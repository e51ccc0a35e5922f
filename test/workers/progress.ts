/**
 * A worker that reports progress, for the end-to-end tests of progress, timing and failure
 * details. With PROGRESS_INVOKE=1 it does not serve Session: its calls go over Invoke, and
 * their progress through the callback service.
 *
 *   phases({fractions, ms, v})   reports each fraction in turn (message "at <f>"), ms apart, then returns v
 *   boom({id})                   writes "before boom <id>" to its log, then fails (not retryable)
 */
import { serveWorker, CallError, type CallContext } from "quarterback/worker";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

await serveWorker(
  {
    phases: async (input: { fractions: number[]; ms: number; v: unknown }, ctx: CallContext) => {
      for (const f of input.fractions) {
        ctx.progress(f, `at ${f}`);
        await sleep(input.ms);
      }
      return input.v;
    },
    boom: async (input: { id: number }) => {
      process.stdout.write(`before boom ${input.id}\n`);
      throw new CallError("FAILED", `boom ${input.id}`, { retryable: false });
    },
  },
  { name: "progress", version: "1.0.0", session: process.env.PROGRESS_INVOKE !== "1" },
);
