/** The library API: compile flows (and, as the runtime lands, run them). */
export * from "./dsl/index.js";
export type * from "./ir/types.js";
export { validateIR, irSchema } from "./ir/validate.js";
export { evaluate, ExpressionError } from "./ir/evaluate.js";
