/** One run: its directory, the callback service, the pond, the pod and the engine together. */
export { startRun, runFlow, WorkerMismatchError, type RunOptions, type RunOutcome, type RunHandle } from "./run-flow.js";
export { RunDirError } from "./run-dir-check.js";
export { LAND_MEDIA, LandMediumError, type LandMedium } from "./land-medium.js";
export { findProjectRoot, projectRootOfFlow } from "./project-root.js";
export { CallbackSocketError, checkCallbackSocket } from "./callback-socket.js";
export { WorkerFatalReportError } from "./fatal-report.js";
export { findRun, latestRunOf, listRuns, pruneRuns, RunNotFoundError, RUNS_DIR, type RunEntry } from "./run-history.js";
export { readRunRecord, type RunRecord, type RunStatus } from "./run-record.js";
export { JournalWriteError } from "./journal/journal-file.js";
export { transportAuth, AuthConfigError, InsecureTransportError, type AuthFiles, type TransportAuth } from "./transport.js";
