/**
 * Big garbage inputs for the bounds tests, made fast from a seed (fast-check would take
 * seconds to draw megabytes): random bytes, and random text of a few kinds.
 */

/** A small seeded generator (mulberry32): the same seed gives the same garbage. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(seed: number, size: number): Buffer {
  const next = rng(seed);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (next() * 256) | 0;
  return b;
}

export type GarbageKind = "ascii" | "tokens" | "one-line" | "unicode";
export const GARBAGE_KINDS: readonly GarbageKind[] = ["ascii", "tokens", "one-line", "unicode"];

const ASCII = [..."abcdefghijklmnopqrstuvwxyz_0123456789 (){}[]|.,:;=\"+-*/<>#$'\\\n\t"];
const WORDS = ["flow", "worker", "run", "emit", "range", "merge", "reduce", "gather", "hold", "take", "into", "land", "pond", "item", "w.f", "x", "y"];
const PUNCT = ["(", ")", "{", "}", "[", "]", "|", "<-", "=", ":", ",", ".", '"s"', '"', "1", "2.5", "30s", "1_000", "#", "\n"];
const ON_ONE_LINE = PUNCT.filter((p) => p !== "\n" && p !== "#");
// letters of many scripts, emoji, combining marks, bidi and other controls
const UNICODE = ["é", "ß", "Ж", "λ", "円", "周", "ㅎ", "🥧", "👩‍🔬", "\u0301", "\u202e", "\u2066", "\x1b", "\x85", "\ufffd", " ", "\n", "a", "=", "("];

/** About `size` characters of garbage text of one kind. */
export function garbageText(seed: number, size: number, kind: GarbageKind): string {
  const next = rng(seed);
  const head = kind === "tokens" ? 'flow f(n: int = 1) {\n  worker w { run "x" }\n' : "";
  // past 64 KB, drawn pieces are reused: drawing every character of 5 MB takes seconds
  const piece = Math.min(size, 64 * 1024);
  const pieces = Array.from({ length: size > piece ? 8 : 1 }, () => draw(next, piece, kind));
  const parts = [head];
  for (let n = 0; n < size; n += piece) parts.push(pieces[(next() * pieces.length) | 0]!);
  return parts.join("");
}

function draw(next: () => number, size: number, kind: GarbageKind): string {
  const pick = <T>(xs: readonly T[]): T => xs[(next() * xs.length) | 0]!;
  const parts: string[] = [];
  for (let n = 0; n < size;) {
    let s: string;
    if (kind === "ascii") s = pick(ASCII);
    else if (kind === "unicode") s = pick(UNICODE);
    else if (kind === "tokens") s = (next() < 0.5 ? pick(WORDS) : pick(PUNCT)) + " ";
    else s = pick(ON_ONE_LINE) + pick([" ", "a", "b1"]);
    parts.push(s);
    n += s.length;
  }
  return parts.join("");
}
