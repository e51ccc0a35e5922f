/**
 * The calls in flight on one Session stream, by id. Not a Map alone: every call enters and
 * leaves it, hundreds of thousands of times a second, and a Map rebuilds its hash table
 * every few hundred of them, linking each old table to its successor (so that an iterator
 * can follow). Once one of those tables has reached the old generation, the chain keeps
 * every later table, and the calls in them, alive through young collections until a full
 * one. The ids this client makes ("c" and a number) are kept in a sparse array instead,
 * which V8 rebuilds without such links: with the journal on, what survived young
 * collections went from 523 to 46 bytes per call; the quarterback's young-collection time
 * per 100,000 no-op calls roughly halved; `qb run` of 600,000 items peaked at 114-116 MB
 * with 1 full collection, against 142-147 MB with 11-12. Any other id (a caller's own)
 * goes in a Map.
 */
export class CallTable<V extends object> {
  private numbered: V[] = [];
  private named = new Map<string, V>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: string): V | undefined {
    const n = ownNumber(id);
    return n >= 0 ? this.numbered[n] : this.named.get(id);
  }

  set(id: string, value: V): void {
    const n = ownNumber(id);
    if (n >= 0) {
      if (this.numbered[n] === undefined) this.count++;
      this.numbered[n] = value;
    } else {
      if (!this.named.has(id)) this.count++;
      this.named.set(id, value);
    }
  }

  delete(id: string): boolean {
    const n = ownNumber(id);
    if (n >= 0) {
      if (this.numbered[n] === undefined) return false;
      delete this.numbered[n];
    } else if (!this.named.delete(id)) return false;
    this.count--;
    return true;
  }

  /** The calls in the table now, a copy (calls may end while it is gone through). */
  values(): V[] {
    const out = Object.values(this.numbered);
    for (const v of this.named.values()) out.push(v);
    return out;
  }

  clear(): void {
    this.numbered = [];
    this.named = new Map();
    this.count = 0;
  }
}

/**
 * n for an id written "c" then n in decimal (no sign, no leading zero, at most 15 digits:
 * one id for one number, so the two kinds of key never alias), else -1.
 */
export function ownNumber(id: string): number {
  const length = id.length;
  if (length < 2 || length > 16 || id.charCodeAt(0) !== 99 /* c */) return -1;
  if (length > 2 && id.charCodeAt(1) === 48 /* 0 */) return -1;
  let n = 0;
  for (let i = 1; i < length; i++) {
    const digit = id.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}
