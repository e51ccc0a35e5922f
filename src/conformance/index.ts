/** Conformance of any worker to the contract: what `qb worker test` runs. */
export { runConformance, CHECKS, type ConformanceOptions, type ConformanceReport } from "./run-conformance.js";
export type { CheckResult, CheckStatus, Check } from "./check.js";
export { formatResult, formatSummary } from "./format.js";
