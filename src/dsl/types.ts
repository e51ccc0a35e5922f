/** Static types of DSL expressions. `any` is what items from workers have: checked at run time. */
export type Type = "int" | "float" | "string" | "bool" | "duration" | "size" | "null" | "list" | "object" | "any";

export const PARAM_TYPES = ["int", "float", "string", "bool", "duration", "json"] as const;

export const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const SIZE_UNITS: Record<string, number> = {
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

export function isNumeric(t: Type): boolean {
  return t === "int" || t === "float";
}

/** The type of a JSON value, as a param of type `json` or a folded constant has. */
export function typeOfValue(v: unknown): Type {
  if (v === null) return "null";
  if (Array.isArray(v)) return "list";
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) ? "int" : "float";
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "object":
      return "object";
    default:
      return "any";
  }
}

/** Least common type of two item types, for merges and mixed lists. */
export function join(a: Type, b: Type): Type {
  if (a === b) return a;
  if (isNumeric(a) && isNumeric(b)) return "float";
  return "any";
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
