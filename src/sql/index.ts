/** A light SQL scanner shared by the compiler and the pond: `:name` parameters and statement breaks, per dialect. */
export { sqlParameters, sqlParameterUses, sqlSecondStatement, type SqlDialect } from "./scanner.js";
