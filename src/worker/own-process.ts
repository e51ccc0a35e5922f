/**
 * When a worker owns its process: SIGTERM or SIGINT shuts it down cleanly and exits 0 (a
 * second signal exits at once with 1), and a promise a method forgot to await that rejects
 * is logged rather than killing every other call.
 */
import type { WorkerServer } from "./types.js";

export function ownProcess(worker: WorkerServer, log: (line: string) => void): void {
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) {
      log(`${sig} again: exiting now`);
      process.exit(1);
    }
    signalled = true;
    worker.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`shutdown failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("unhandledRejection", (reason) => {
    log(
      `unhandled promise rejection (a method did not await a promise; the worker goes on): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    );
  });
}
