/** The sources that make items without reading another step. */
import type { Json, SourceIR } from "../ir/types.js";
import { StepError } from "./errors.js";
import type { PollableIterator } from "./read-all.js";

export interface SourceContext {
  step: string;
  /** Rows of a pond query, when the run has a pond. */
  pondRows?: (sql: string, params: Record<string, Json>, signal: AbortSignal) => AsyncIterable<Json>;
  /** Files matching a glob, as `{path, file, size}` items. */
  globFiles?: (pattern: string, root: string | null, exclude: readonly string[], signal: AbortSignal) => AsyncIterable<Json>;
  signal: AbortSignal;
}

/**
 * Items known up front, as an async iterable: a plain iterator (one resolved promise per
 * item, none when polled: see readAll) rather than an async generator, whose every item
 * costs a round of promises.
 */
function itemsOf(count: number, item: (i: number) => Json): AsyncIterable<Json> {
  return {
    [Symbol.asyncIterator]: (): PollableIterator<Json> => {
      let i = 0;
      const poll = (): IteratorResult<Json> => (i < count ? { value: item(i++), done: false } : { value: undefined, done: true });
      return {
        next: () => Promise.resolve(poll()),
        poll,
        return: () => {
          i = count;
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}

export function rangeSource(count: number): AsyncIterable<Json> {
  return itemsOf(count, (i) => i);
}

export function listSource(items: Json[]): AsyncIterable<Json> {
  return itemsOf(items.length, (i) => items[i]!);
}

/** Items of a source that is not a step reference or a merge. */
export function independentSource(source: Exclude<SourceIR, { kind: "step" | "merge" | "join" }>, ctx: SourceContext): AsyncIterable<Json> {
  switch (source.kind) {
    case "range":
      return rangeSource(source.count);
    case "list":
      return listSource(source.items);
    case "pond":
      if (!ctx.pondRows) throw new StepError(ctx.step, "this run has no pond to query: start it with a pond (`--pond FILE.duckdb` or `--pond mysql://...`)");
      return ctx.pondRows(source.sql, source.params, ctx.signal);
    case "glob":
      if (!ctx.globFiles) throw new StepError(ctx.step, "this run cannot list files");
      return ctx.globFiles(source.pattern, source.root, source.exclude ?? [], ctx.signal);
  }
}
