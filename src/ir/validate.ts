import { Ajv } from "ajv";
import schema from "./schema.json" with { type: "json" };
import type { FlowIR } from "./types.js";

const ajv = new Ajv({ allErrors: true, strict: false });
const validator = ajv.compile(schema);

export { schema as irSchema };

/** Checks a value against the IR's JSON Schema; returns the problems, empty when valid. */
export function validateIR(value: unknown): string[] {
  if (validator(value)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
}

export function isFlowIR(value: unknown): value is FlowIR {
  return validateIR(value).length === 0;
}
