/** The stages that need no worker: they reshape the stream. */
import type { Json } from "../ir/types.js";
import { readAll } from "./read-all.js";

/**
 * Lists whose order is the order their items arrived in (a `gather`'s): it varies from run
 * to run, so a call's key takes such a list as the set of its items.
 */
export const arrivalOrdered = new WeakSet<Json[]>();

export async function* gather(input: AsyncIterable<Json>): AsyncGenerator<Json> {
  const all: Json[] = [];
  await readAll(input, (v) => void all.push(v));
  arrivalOrdered.add(all);
  yield all;
}

export async function* flatten(input: AsyncIterable<Json>): AsyncGenerator<Json> {
  for await (const v of input) {
    if (Array.isArray(v)) yield* v;
    else yield v;
  }
}

export async function* last(input: AsyncIterable<Json>): AsyncGenerator<Json> {
  let seen = false;
  let value: Json = null;
  await readAll(input, (v) => {
    seen = true;
    value = v;
  });
  if (seen) yield value;
}

/** The first `n` items; stops reading after them, which releases the upstream. */
export async function* take(input: AsyncIterable<Json>, n: number): AsyncGenerator<Json> {
  if (n <= 0) {
    // read nothing, but say so: an upstream channel nobody detaches blocks once full
    await input[Symbol.asyncIterator]().return?.();
    return;
  }
  let count = 0;
  for await (const v of input) {
    yield v;
    if (++count >= n) return;
  }
}

/** Items of several streams as they arrive (fan-in). */
export async function* merge<T>(inputs: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = inputs.map((i) => i[Symbol.asyncIterator]());
  const next = (k: number): Promise<{ k: number; r: IteratorResult<T> }> => iterators[k]!.next().then((r) => ({ k, r }));
  const pending = new Map<number, Promise<{ k: number; r: IteratorResult<T> }>>();
  iterators.forEach((_, k) => pending.set(k, next(k)));
  try {
    while (pending.size) {
      const { k, r } = await Promise.race(pending.values());
      if (r.done) pending.delete(k);
      else {
        pending.set(k, next(k));
        yield r.value;
      }
    }
  } finally {
    await Promise.all(iterators.map((it, k) => (pending.has(k) ? it.return?.() : undefined)));
  }
}
