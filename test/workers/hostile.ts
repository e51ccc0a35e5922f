/**
 * A worker whose every text is hostile to a terminal: its version, its errors, its reports
 * and its stderr carry escape sequences that retitle the window and clear the screen, and a
 * bidi override. The CLI must show them escaped, and keep them raw in JSON and log files.
 *
 *   fail()   throws an error with the hostile text
 *   warn()   sends a (non-fatal) report and writes a stderr line, both with it; returns 1
 */
import { serveWorker, type CallContext } from "quarterback/worker";

const HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u202eevil";

await serveWorker(
  {
    fail: async () => {
      throw new Error(`bad input ${HOSTILE}`);
    },
    warn: async (_input: unknown, ctx: CallContext) => {
      process.stderr.write(`stderr ${HOSTILE}\n`);
      await ctx.report({ kind: "log", message: `report ${HOSTILE}` });
      return 1;
    },
  },
  { name: "hostile", version: `1.0 ${HOSTILE}` },
);
