/** `qb fmt`'s output for a flow, or an error when the flow cannot be formatted. */
import { format } from "../../src/dsl/format.js";

export function formatted(text: string): string {
  const r = format(text);
  if (r.output === undefined) throw new Error(`not formattable: ${JSON.stringify(r.diagnostics)}`);
  return r.output;
}
