/**
 * Kubernetes names from flow and worker names. Objects and containers are named by
 * DNS-1123 labels: lowercase letters, digits and `-`, starting and ending with a letter or
 * digit, at most 63 characters. A flow's `estimate_pi` becomes `estimate-pi`.
 */
const MAX_LABEL = 63;

/** Whether `s` is a DNS-1123 label (what Kubernetes requires of container and Service names). */
export function isDnsLabel(s: string): boolean {
  return s.length >= 1 && s.length <= MAX_LABEL && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

/** Whether `s` is a DNS-1123 subdomain (most object names: labels joined by dots, at most 253). */
export function isDnsSubdomain(s: string): boolean {
  return s.length >= 1 && s.length <= 253 && s.split(".").every((part) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(part));
}

/**
 * `name` as a DNS-1123 label of at most `max` characters: lowercased, `_` and other
 * characters as `-`. A name that had to be cut keeps a short hash of the whole, so two long
 * names that differ only at the end stay apart.
 */
export function dnsLabel(name: string, max = MAX_LABEL): string {
  let s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (s === "") s = "x";
  if (s.length <= max) return s;
  const hash = fnv1a(name).toString(16).padStart(8, "0").slice(0, 6);
  if (max < 8) return s.slice(0, max).replace(/-+$/, "") || "x";
  const head = s.slice(0, max - 7).replace(/-+$/, "");
  return head ? `${head}-${hash}` : hash;
}

/** FNV-1a, 32 bits: a short, stable tag for a cut name (not for security). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
