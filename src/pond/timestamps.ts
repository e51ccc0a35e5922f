/** Timestamps in one text form on every driver: `YYYY-MM-DD HH:MM:SS[.ffffff]`, UTC, no trailing zeros. */

/** `2026-01-02 03:04:05.120000` → `2026-01-02 03:04:05.12`; `…05.000000` → `…05`. */
export function normalizeTimestamp(text: string): string {
  return text.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A timestamp value as a database without time zones stores it: ISO text with `T`
 * and a zone (`Z`, `+02:00`) becomes UTC `YYYY-MM-DD HH:MM:SS[.ffffff]`. Other text
 * is left for the database to judge.
 */
export function toUtcTimestampText(value: unknown): unknown {
  if (value instanceof Date) return normalizeTimestamp(value.toISOString().replace("T", " ").replace("Z", ""));
  if (typeof value !== "string") return value;
  const m = ISO.exec(value);
  if (m === null) return value;
  const [, day, time, frac = "", zone] = m;
  const hms = time!.length === 5 ? `${time}:00` : time!;
  if (zone === undefined || zone === "Z" || /^[+-]00:?00$/.test(zone)) return normalizeTimestamp(`${day} ${hms}${frac.slice(0, 7)}`);
  const ms = Date.parse(`${day}T${hms}${zone.length === 5 ? zone.slice(0, 3) + ":" + zone.slice(3) : zone}`);
  if (Number.isNaN(ms)) return value;
  return normalizeTimestamp(new Date(ms).toISOString().slice(0, 19).replace("T", " ") + frac.slice(0, 7));
}
