/** `qb pond sync | generations | query`: fill the pond from the lake, list its generations, query it. */
import type { Command } from "commander";
import type { Generation, JsonValue, Pond, Row } from "../../pond/index.js";
import { terminalSafe } from "../../dsl/terminal-safe.js";
import { collectParam } from "../flow-input.js";
import { EXIT, UsageError } from "../errors.js";
import { commandProject } from "../project.js";

const POND_HELP =
  "the pond: a .duckdb file, duckdb:PATH, :memory: or mysql://user:password@host:port/db (default: $QB_POND, else the project's .qb/pond.duckdb)";

/** Bad usage (exit 2) stays UsageError; anything else is a failure (exit 1) with a clear line. */
/** SQL that only reads: such a `qb pond query` opens an embedded pond shared with readers (runs that read it). */
export function readsOnly(sql: string): boolean {
  const body = sql.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, "");
  return /^(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN|SUMMARIZE|VALUES|FROM|TABLE)\b/i.test(body);
}

async function withPond(url: string | undefined, what: string, fn: (pond: Pond) => Promise<void>, readOnly = false): Promise<void> {
  // the pond's drivers, the lake readers and csv-parse load only when a pond command runs
  const { openPond, anchorPondUrl, namedPondUrl, DEFAULT_POND, PondUrlError, SyncOptionError, PondParamError, PondSchemaError, LakeSourceError, PondError } =
    await import("../../pond/index.js");
  let pond: Pond | undefined;
  try {
    // a pond named here is relative to the current folder; the default is the project's
    const named = namedPondUrl(url);
    pond = await openPond(named !== undefined ? anchorPondUrl(named, process.cwd()) : DEFAULT_POND, { cwd: commandProject(), readOnly });
    await fn(pond);
  } catch (err) {
    const usage =
      err instanceof UsageError ||
      err instanceof PondUrlError ||
      err instanceof SyncOptionError ||
      err instanceof PondParamError ||
      err instanceof PondSchemaError ||
      (err instanceof LakeSourceError && err.missing);
    if (usage) throw err instanceof UsageError ? err : new UsageError((err as Error).message, { cause: err });
    // pond errors name the pond, table and file themselves
    const message = err instanceof PondError ? err.message : `${what} failed: ${err instanceof Error ? err.message : String(err)}`;
    process.stderr.write(`qb: ${terminalSafe(message)}\n`);
    process.exitCode = EXIT.failed;
  } finally {
    await pond?.close().catch(() => {});
  }
}

/** `--param k=v`: v as JSON when it is a JSON number, string, true, false, null, list or object; else as text. */
export function paramValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function describeGeneration(g: Generation): string {
  return (
    `generation ${g.generation}: table ${g.table} from ${g.source} (${g.mode}): ` +
    `${g.rowsAdded} added, ${g.rowsChanged} changed, ${g.rowsRemoved} removed; ${g.rowsTotal} rows, checksum ${g.checksum}`
  );
}

/** One line per row: a value's line breaks and control characters are shown escaped. */
function cell(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return "NULL";
  return terminalSafe(typeof v === "object" ? JSON.stringify(v) : String(v), { lines: false });
}

/** Rows as an aligned text table with a header line. */
export function formatTable(rows: readonly Row[]): string {
  if (rows.length === 0) return "(no rows)\n";
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => names.map((n) => cell(r[n])));
  const header = names.map((n) => terminalSafe(n, { lines: false }));
  // a loop, not Math.max(...cells): one argument per row overflows the stack past ~100,000 rows
  const widths = header.map((n) => n.length);
  for (const c of cells) for (let i = 0; i < c.length; i++) if (c[i]!.length > widths[i]!) widths[i] = c[i]!.length;
  const numeric = names.map((n) => rows.every((r) => r[n] === null || typeof r[n] === "number"));
  const line = (values: string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") + `\n(${rows.length} row${rows.length === 1 ? "" : "s"})\n`;
}

interface SyncFlags {
  from: string;
  table: string;
  key?: string;
  incrementalBy?: string;
  schema?: string;
  sourceTable?: string;
  pond?: string;
  json?: boolean;
}

export function registerPond(program: Command): void {
  const pond = program.command("pond").description("the pod's SQL database: fill it from the lake, list generations, query it");

  pond
    .command("sync")
    .description("create or update a pond table from CSV/Parquet files or a MySQL-wire table, recording a generation (exit 0 ok, 1 failed, 2 bad usage)")
    .requiredOption("--from <source>", "a .csv/.csv.gz/.tsv/.parquet file, a glob of them (quote it), or mysql://user:password@host:port/db")
    .requiredOption("--table <name>", "the pond table to create or update")
    .option("--key <columns>", "upsert by these columns (comma-separated): new keys are added, differing rows changed")
    .option("--incremental-by <column>", "only rows whose column is greater than the table's current maximum")
    .option("--schema <col:type,...>", "column types instead of inferred ones (int, float, string, bool, date, timestamp, json)")
    .option("--source-table <name>", "with a mysql:// source: the table to read (default: --table)")
    .option("--pond <url>", POND_HELP)
    .option("--json", "print the recorded generation as JSON")
    .action(async (opts: SyncFlags) => {
      const { parseSchemaSpec, syncTable } = await import("../../pond/index.js");
      let schema;
      try {
        schema = opts.schema === undefined ? undefined : parseSchemaSpec(opts.schema);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const key = opts.key
        ?.split(",")
        .map((k) => k.trim())
        .filter((k) => k !== "");
      await withPond(opts.pond, `pond sync of ${opts.from} into table ${opts.table}`, async (p) => {
        const g = await syncTable(p, { from: opts.from, table: opts.table, key, incrementalBy: opts.incrementalBy, schema, sourceTable: opts.sourceTable });
        process.stdout.write(opts.json ? JSON.stringify(g, null, 2) + "\n" : describeGeneration(g) + "\n");
      });
    });

  pond
    .command("generations")
    .description("list the pond's recorded syncs, oldest first")
    .option("--table <name>", "only this table's")
    .option("--pond <url>", POND_HELP)
    .option("--json", "print them as a JSON list")
    .action(async (opts: { table?: string; pond?: string; json?: boolean }) => {
      const { listGenerations } = await import("../../pond/index.js");
      await withPond(
        opts.pond,
        "pond generations",
        async (p) => {
          const gens = await listGenerations(p, opts.table);
          if (opts.json) process.stdout.write(JSON.stringify(gens, null, 2) + "\n");
          else if (gens.length === 0) process.stdout.write(`no generations in pond ${p.url}${opts.table ? ` for table ${opts.table}` : ""}\n`);
          else
            process.stdout.write(
              formatTable(
                gens.map((g) => ({
                  generation: g.generation,
                  synced_at: g.syncedAt,
                  table: g.table,
                  mode: g.mode,
                  added: g.rowsAdded,
                  changed: g.rowsChanged,
                  removed: g.rowsRemoved,
                  rows: g.rowsTotal,
                  checksum: g.checksum,
                  source: g.source,
                })),
              ),
            );
        },
        true,
      );
    });

  pond
    .command("query")
    .description("run one SQL statement on the pond; :name parameters are bound from --param, never spliced")
    .argument("<sql>", 'the SQL, e.g. "SELECT * FROM sales WHERE region = :region"')
    .option("-p, --param <name=value>", "a value for :name (JSON if it parses as JSON, else text; repeatable)", collectParam)
    .option("--pond <url>", POND_HELP)
    .option("--json", "print the rows as a JSON list")
    .action(async (sql: string, opts: { param?: Record<string, string>; pond?: string; json?: boolean }) => {
      const params = Object.fromEntries(Object.entries(opts.param ?? {}).map(([k, v]) => [k, paramValue(v)]));
      await withPond(
        opts.pond,
        "pond query",
        async (p) => {
          const bound = Object.keys(params).length > 0 ? params : undefined;
          if (opts.json) {
            // streamed: a big result is never held whole
            let first = true;
            process.stdout.write("[");
            for await (const batch of p.stream(sql, bound)) {
              for (const row of batch) {
                process.stdout.write((first ? "\n  " : ",\n  ") + JSON.stringify(row));
                first = false;
              }
            }
            process.stdout.write(first ? "]\n" : "\n]\n");
          } else {
            process.stdout.write(formatTable(await p.query(sql, bound)));
          }
        },
        readsOnly(sql),
      );
    });
}
