/** The web view: a server for live runs and history (`qb run --ui`, `qb ui`) and a static report (`qb report`). */
export { UiServer, UiServeError, type UiServerOptions } from "./server.js";
export { UiAuthConfigError, readTokenFile, isLoopback } from "./auth.js";
export { reportData, reportHtml, REPORT_RULE } from "./report.js";
export { PageNotBuiltError } from "./page-asset.js";
export { RunUnreadableError } from "./run-data.js";
