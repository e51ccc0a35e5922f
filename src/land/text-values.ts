/** Text columns as Arrow keeps them (offsets into UTF-8 bytes), told apart from numeric ones. */
import type { NumericArray, TextValues } from "./arrow-columns.js";

export function isText(values: NumericArray | TextValues): values is TextValues {
  return !ArrayBuffer.isView(values);
}

/** Row `row` of a text column as a string. */
export function textAt(values: TextValues, row: number): string {
  const start = values.offsets[row]!;
  return Buffer.from(values.data.buffer, values.data.byteOffset + start, values.offsets[row + 1]! - start).toString("utf8");
}
