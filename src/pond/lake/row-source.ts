/** A lake source read in Node: its schema, then its rows in batches. */
import type { Row, TableSchema } from "../types.js";

export interface RowSource {
  /** Column names and types (inferred from the data unless the source declares them). */
  schema(): Promise<TableSchema>;
  /** The rows, values converted to these column types; `after` keeps rows whose column is greater. */
  batches(schema: TableSchema, batchSize: number, after?: { column: string; value: unknown }): AsyncIterable<Row[]>;
  close(): Promise<void>;
}
