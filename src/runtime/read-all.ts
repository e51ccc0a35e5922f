/**
 * Reading a stream item by item without a promise per item. A `for await` loop awaits every
 * item, even one its source already holds; a frame of a thousand results then costs a
 * thousand promises and microtask rounds in each stage it crosses. A source that can hand
 * out what it holds at once (a Channel, the outputs of `mapConcurrent`, a list) says so with
 * `poll`, and `readAll` takes those items synchronously, awaiting only when it must wait.
 */

/** An iterator that can give its next result at once when it has one. */
export interface PollableIterator<T> extends AsyncIterator<T> {
  /** The next result if it is ready (an item, or the end); undefined if the reader must await `next`. Throws the source's failure. */
  poll(): IteratorResult<T> | undefined;
}

/** What `each` returns to stop reading early (the source's `return` is then called, as on `break`). */
export const STOP = Symbol("stop");

/**
 * Calls `each` on every item of `source` in order, as `for await` would: an item `each`
 * returns a promise for is waited on before the next; `STOP`, returned or resolved, ends
 * the reading early. On an early end or a failure of `each`, the source's `return` is
 * called (as `break` or a throw in a `for await` body would); a failure of the source
 * itself is rethrown without it. A `return` that fails after `each` failed does not replace
 * `each`'s error; after an early end, its failure is the reading's.
 */
export async function readAll<T>(source: AsyncIterable<T>, each: (value: T) => void | typeof STOP | Promise<void | typeof STOP>): Promise<void> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<T> & Partial<PollableIterator<T>>;
  const pollable = typeof it.poll === "function";
  let open = true;
  try {
    for (;;) {
      // a failure of the source ends the reading without `return`, as in `for await`
      open = false;
      let r = pollable ? (it as PollableIterator<T>).poll() : undefined;
      if (r === undefined) r = await it.next();
      if (r.done) return;
      open = true;
      const next = each(r.value);
      if (next === STOP || (next !== undefined && (await next) === STOP)) return;
    }
  } catch (err) {
    // `each` failed: the source is closed, and a failure to close does not hide this one
    // (as in `for await`, where the body's error wins over `return`'s)
    if (open) {
      open = false;
      try {
        await it.return?.();
      } catch {
        // the body's error is the one to report
      }
    }
    throw err;
  } finally {
    if (open) await it.return?.();
  }
}
