/** The pond's part in a run: `pond(...)` sources, `into pond.table(...)` sinks, generations. */
import { randomUUID } from "node:crypto";
import type { FlowIR, Json } from "../ir/types.js";
import { writeArrowColumns } from "../land/arrow-columns.js";
import type { Land } from "../land/land.js";
import type { LandRef } from "../land/ref.js";
import { listGenerations, type Generation } from "../pond/lake/generations.js";
import type { Pond, Row } from "../pond/types.js";
import { writeRowsInto, type WriteMode } from "../pond/sink.js";
import { PondRequestError } from "../proto/pond-request-error.js";

/** Rows of a query as items, fetched in batches so a big result never sits in memory. */
export async function* pondRows(pond: Pond, sql: string, params: Record<string, Json>): AsyncGenerator<Json> {
  for await (const batch of pond.stream(sql, params, { batchSize: 1000 })) yield* batch as Json[];
}

function asRow(item: Json): Row {
  return item !== null && typeof item === "object" && !Array.isArray(item) ? (item as Row) : { value: item };
}

/**
 * Writes every item (an object is a row; anything else goes in a `value` column) into
 * `table`, created from the first rows if missing, all in one transaction: if the run
 * fails, nothing of it is left (a table it created is dropped again). `how`: the mode
 * (append, replace, upsert by key) and the run id recorded in `qb_writes`.
 */
export async function writePondTable(pond: Pond, table: string, items: AsyncIterable<Json>, how: WriteMode = {}): Promise<number> {
  async function* rows(): AsyncGenerator<Row> {
    for await (const item of items) yield asRow(item);
  }
  return (await writeRowsInto(pond, table, rows(), { batchSize: 500, ...how })).rows;
}

/** Tables a flow reads: names in its pond queries that the pond has synced from the lake. */
export function tablesRead(ir: FlowIR, synced: Iterable<string>): string[] {
  const sqls = ir.steps.flatMap((s) => (s.source.kind === "pond" ? [s.source.sql] : []));
  return [...new Set(synced)]
    .filter((t) => sqls.some((sql) => new RegExp(`(^|[^A-Za-z0-9_])${t.replace(/\./g, "\\.")}($|[^A-Za-z0-9_])`, "i").test(sql)))
    .sort();
}

/** A run pinned to a generation found newer data in a table it reads. */
export class GenerationMismatchError extends Error {
  constructor(
    readonly table: string,
    readonly pinned: number,
    readonly latest: number,
  ) {
    super(
      `--generation ${pinned}: table \`${table}\` was synced again since (it is at generation ${latest}); the pond keeps only its latest data, so this run cannot read generation ${pinned}`,
    );
    this.name = "GenerationMismatchError";
  }
}

/**
 * The latest generation of every table the run reads, to record in the run directory;
 * with `pin`, refuses when any of them changed after generation `pin`.
 */
export async function generationsRead(pond: Pond, ir: FlowIR, pin?: number): Promise<Record<string, Generation>> {
  const all = await listGenerations(pond);
  const latest = new Map<string, Generation>();
  for (const g of all) if (!latest.has(g.table) || latest.get(g.table)!.generation < g.generation) latest.set(g.table, g);
  const out: Record<string, Generation> = {};
  for (const t of tablesRead(ir, latest.keys())) {
    const g = latest.get(t)!;
    if (pin !== undefined && g.generation > pin) throw new GenerationMismatchError(t, pin, g.generation);
    out[t] = g;
  }
  if (pin !== undefined && !all.some((g) => g.generation === pin)) throw new GenerationMismatchError("(any)", pin, all.at(-1)?.generation ?? 0);
  return out;
}

/** Whether a flow touches the pond at all. */
export function usesPond(ir: FlowIR): boolean {
  return ir.steps.some((s) => s.source.kind === "pond") || ir.sinks.some((k) => k.kind === "pond");
}

/** Whether the flow writes a pond table: its run opens an embedded pond to write, alone. */
export function writesPond(ir: FlowIR): boolean {
  return ir.sinks.some((k) => k.kind === "pond");
}

/**
 * A worker's `ctx.pond` query, answered in batches from the run's pond; `signal` fires
 * when the worker cancels it, which stops it in the pond too.
 */
/** A worker's query parameters (JSON text, empty for none), refused with a clear message when they are not JSON. */
function requestParams(q: { paramsJson: string }): Record<string, unknown> {
  if (q.paramsJson.trim() === "") return {};
  try {
    return JSON.parse(q.paramsJson) as Record<string, unknown>;
  } catch (cause) {
    throw new PondRequestError(`params are not JSON: ${q.paramsJson.slice(0, 80)}`, "invalid", { cause });
  }
}

export async function* servePondQuery(pond: Pond, q: { sql: string; paramsJson: string; batchSize: number }, signal?: AbortSignal): AsyncGenerator<Row[]> {
  yield* pond.stream(q.sql, requestParams(q), { batchSize: q.batchSize || 1000, ...(signal ? { signal } : {}) });
}

/**
 * A worker's query as columns: its whole result written to the run's land as one Arrow
 * file (`pond/columns-UUID.arrow`; the worker removes it once read), answered with the
 * file's reference and the number of rows.
 */
export async function servePondColumns(
  pond: Pond,
  land: Land | undefined,
  q: { sql: string; paramsJson: string },
  signal?: AbortSignal,
): Promise<{ file: LandRef; rows: number }> {
  if (land === undefined) throw new PondRequestError("this run has no land to put the columns in", "unavailable");
  const params = requestParams(q);
  const result = await pond.columns(q.sql, params, signal ? { signal } : {});
  signal?.throwIfAborted();
  let file: LandRef;
  try {
    file = await writeArrowColumns(land, `pond/columns-${randomUUID()}.arrow`, result);
  } catch (cause) {
    if (cause instanceof RangeError) throw new PondRequestError(`pond query ${JSON.stringify(q.sql.slice(0, 80))}: ${cause.message}`, "invalid", { cause });
    throw cause;
  }
  return { file, rows: result.rows };
}
