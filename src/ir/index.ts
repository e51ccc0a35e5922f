/** The IR: the checked flow as plain JSON, the contract between the compiler and the runtime. */
export type * from "./types.js";
export { IR_VERSION } from "./types.js";
export { validateIR, isFlowIR, irSchema } from "./validate.js";
export { evaluate, ExpressionError } from "./evaluate.js";
export { sourceSteps } from "./source-steps.js";
