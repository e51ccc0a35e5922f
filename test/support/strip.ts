/** A copy of an IR without source positions, to compare meaning across layouts. */
export function stripLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripLocations);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== "loc" && k !== "file") out[k] = stripLocations(v);
    return out;
  }
  return value;
}
