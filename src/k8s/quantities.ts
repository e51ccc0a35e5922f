/** Kubernetes resource quantities from a flow's `cpu` (cores) and `memory` (bytes). */

/** Cores as millicores (`0.5` → `500m`), or whole cores (`2` → `2`); never below `1m`. */
export function cpuQuantity(cores: number): string {
  const milli = Math.max(1, Math.round(cores * 1000));
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

const BINARY: Array<[string, number]> = [
  ["Ti", 2 ** 40],
  ["Gi", 2 ** 30],
  ["Mi", 2 ** 20],
  ["Ki", 2 ** 10],
];

/** Bytes in the largest binary unit that divides them (`536870912` → `512Mi`), else as bytes. */
export function memoryQuantity(bytes: number): string {
  const n = Math.max(1, Math.round(bytes));
  for (const [unit, size] of BINARY) if (n % size === 0) return `${n / size}${unit}`;
  return String(n);
}

const UNITS: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** Bytes of a Kubernetes memory quantity (`512Mi`, `2Gi`, `1G`, `1048576`); undefined when it is not one. */
export function parseMemoryQuantity(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text.trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * UNITS[m[2] ?? ""]!;
  return bytes >= 1 ? Math.round(bytes) : undefined;
}
