/** A query's result as columns: the types the pond fills and the land carries as an Arrow file. */
export type { ColumnKind, ColumnResult, NumericArray, PondColumns, ResultColumn, TextValues } from "../land/arrow-columns.js";
export { isText, textAt } from "../land/text-values.js";
