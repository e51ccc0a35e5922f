import { Ajv } from "ajv";
import schema from "./schema.json" with { type: "json" };
import type { FlowIR } from "./types.js";

// `discriminator`: a tagged union is checked against the one branch its `kind` names; with
// plain oneOf every branch is tried, and nested expressions cost 3^depth (a 20-deep chain
// of negations took minutes)
const ajv = new Ajv({ allErrors: true, strict: false, discriminator: true });
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
